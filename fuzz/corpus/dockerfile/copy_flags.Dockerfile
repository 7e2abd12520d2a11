FROM node:20 AS build
COPY --from=build --chown=node:node --chmod=755 --link a.js "b c.js" /app/
ADD --parents --exclude=*.md src/ docs/ /srv/
COPY ["src/x y.js", "/opt/app/"]
