FROM alpine
RUN cat <<EOF > /etc/motd
hello
EOF
CMD ["sh"]
