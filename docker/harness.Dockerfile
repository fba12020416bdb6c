# The harness image: runs the hidden tests against a candidate's service (sharing its network
# namespace). Built by grader/images.py from a minimal context: this file, requirements.txt
# (docker/harness-requirements.txt), wheelhouse/ and harness/ = grader/__init__.py,
# grader/harness/, hidden_tests/ without reference/, and exercise/openapi.yaml.
# The build runs with --network none; the wheels stay in the builder stage.
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
RUN groupadd --system --gid 10002 harness \
 && useradd --system --uid 10002 --gid 10002 --no-create-home --home-dir /tmp \
        --shell /usr/sbin/nologin harness \
 && mkdir -p /results \
 && chown 10002:10002 /results
COPY --from=builder /opt/venv /opt/venv
# Root-owned with 0644/0755 modes (set when the context is assembled): the harness user reads only.
COPY harness/ /opt/harness/
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/opt/harness \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp
WORKDIR /opt/harness
USER 10002
