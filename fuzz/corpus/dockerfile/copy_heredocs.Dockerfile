FROM alpine
COPY <<A <<B /dest/
Y
A
X
B
RUN tee /t <<EOF
body
EOF