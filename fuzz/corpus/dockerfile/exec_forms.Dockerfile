FROM alpine
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENTRYPOINT ["/bin/sh", "-c", "echo \"hi\" \u00e9 \ud83d\ude00"]
CMD ["bad", 'json']
HEALTHCHECK --interval=30s CMD ["curl", "-f", "http://localhost/"]
ONBUILD RUN echo onbuild
VOLUME ["/data"]
