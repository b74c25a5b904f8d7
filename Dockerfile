# CTDC Explorer for self-hosting: `docker build -t ctdc-explorer .` then
#   docker run -p 8501:8501 -v ctdc-cache:/cache ctdc-explorer
# See the README's self-hosting section (reverse proxy, replicas, settings).
FROM python:3.12-slim-bookworm

# Chromium from the OS packages (never a browser download) for chart export in a
# browser; `--build-arg WITH_CHROMIUM=0` leaves it out (about 300 MB smaller: the PNG
# export itself runs through vl-convert, without a browser).
ARG WITH_CHROMIUM=1
RUN if [ "$WITH_CHROMIUM" = "1" ]; then \
        apt-get update \
        && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
            chromium fonts-dejavu-core \
        && rm -rf /var/lib/apt/lists/*; \
    fi

# MALLOC_ARENA_MAX: fewer glibc arenas; a server running each session in its own thread
# otherwise keeps freed memory in many arenas. CTDC_CACHE_DIR: the parsed-data cache
# (Arrow IPC, owner-only) in a volume, so a restart or another replica reads it instead
# of parsing again; uploads are never written there.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MALLOC_ARENA_MAX=2 \
    CTDC_CACHE_DIR=/cache \
    CHROMIUM=/usr/bin/chromium

WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt

# A user without a login shell or rights on the code: the app can read its files but
# not change them; only the cache folder is its own (0700, as the app expects).
RUN useradd --system --uid 10001 --user-group --home-dir /home/ctdc --create-home \
        --shell /usr/sbin/nologin ctdc \
    && mkdir -p /cache \
    && chown ctdc:ctdc /cache \
    && chmod 0700 /cache

COPY . .

USER ctdc
VOLUME ["/cache"]
EXPOSE 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).status != 200)"]

# XSRF protection stays on (also set in .streamlit/config.toml); no file watcher in a
# container whose code does not change; no usage statistics sent anywhere.
CMD ["streamlit", "run", "Home.py", \
     "--server.address=0.0.0.0", \
     "--server.port=8501", \
     "--server.headless=true", \
     "--server.enableXsrfProtection=true", \
     "--server.fileWatcherType=none", \
     "--browser.gatherUsageStats=false"]
