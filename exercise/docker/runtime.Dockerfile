# The runtime image your service is graded in: the same base image, Python 3.11, packages
# (exactly requirements.txt), user (uid 10001), /data directory and working directory.
# Build it from the repository root (it installs requirements.txt from the package index):
#
#   docker build -f docker/runtime.Dockerfile -t ledger-runtime .
#
# and run it as the README shows (`docker run ... ledger-runtime python -m app`). The code is
# not copied into the image: it is mounted read-only at /submission.
ARG BASE_IMAGE=python:3.11-slim

FROM ${BASE_IMAGE}
RUN python3 -c 'import sys; v = sys.version_info; sys.exit(0 if v[:2] == (3, 11) else \
    f"the base image has Python {v[0]}.{v[1]}; the runtime image needs CPython 3.11")'
COPY requirements.txt /tmp/requirements.txt
RUN python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --quiet --no-cache-dir --disable-pip-version-check \
        --requirement /tmp/requirements.txt \
 && rm /tmp/requirements.txt
RUN groupadd --system --gid 10001 candidate \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /tmp \
        --shell /usr/sbin/nologin candidate \
 && mkdir -p /data /submission \
 && chown 10001:10001 /data \
 && chmod 0750 /data
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp
WORKDIR /submission
USER 10001
