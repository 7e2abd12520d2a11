FROM alpine
ENV A=1 B="two words" C='single $quoted' D=esc\ aped \
    E="quote \" inside"
ENV LEGACY value with spaces
ARG VERSION=1.2 NAME
ARG EMPTY=
