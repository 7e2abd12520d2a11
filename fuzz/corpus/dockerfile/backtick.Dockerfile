# escape=`
FROM mcr.microsoft.com/windows
RUN dir C:\ `
    && echo done
COPY <<-EOF C:\app\x.txt
	indented
	EOF
