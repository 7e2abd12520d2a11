FROM debian
RUN apt-get update && \
# a comment inside the continuation
    apt-get install -y \

      curl \
    # indented comment
      git
