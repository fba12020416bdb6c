# The runtime image: runs a candidate's service and tests, locked down by the sandbox at run time.
# Built by grader/images.py from a minimal context: this file, requirements.txt (a copy of
# exercise/requirements.txt) and wheelhouse/ (wheels the host's pip collected). The build runs
# with --network none: nothing is fetched, and the wheels stay in the builder stage.
ARG BASE_IMAGE=python:3.11-slim

FROM ${BASE_IMAGE} AS builder
RUN python3 -c 'import sys; v = sys.version_info; sys.exit(0 if v[:2] == (3, 11) else \
    f"the base image has Python {v[0]}.{v[1]}; the grader images need CPython 3.11 (the wheelhouse targets cp311)")'
COPY requirements.txt /requirements.txt
COPY wheelhouse/ /wheelhouse/
RUN python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --quiet --no-index --no-cache-dir --disable-pip-version-check \
        --find-links /wheelhouse --requirement /requirements.txt

FROM ${BASE_IMAGE}
RUN groupadd --system --gid 10001 candidate \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /tmp \
        --shell /usr/sbin/nologin candidate \
 && mkdir -p /data /submission \
 && chown 10001:10001 /data \
 && chmod 0750 /data
COPY --from=builder /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp
WORKDIR /submission
USER 10001
