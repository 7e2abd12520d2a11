FROM alpine
RUN <<A cat > /a.txt && tee -a /b.txt <<-"B" && python3 - <<'C'
first
A
	second
	B
print(1 << 2)
C
RUN echo "<<notheredoc" $((1<<2)) && cat <<EOF | tee /c.txt
piped
EOF
