FROM alpine
RUN cat > /x <<EOF
no terminator here
