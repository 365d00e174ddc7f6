# The operator image: the wabiz package with the operator extra (kopf), running `wabiz operator`.
# Build from the repository root:  docker build -f images/operator.Dockerfile -t wabiz-operator:dev .
# A registry mirror or a locally built Python 3.11 image can stand in: --build-arg PYTHON_IMAGE=…
ARG PYTHON_IMAGE=python:3.11-slim
FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
RUN python -m venv /opt/wabiz && /opt/wabiz/bin/pip install --no-cache-dir "uv>=0.4"
COPY pyproject.toml requirements.lock README.md ./
COPY services ./services
COPY operator ./operator
RUN /opt/wabiz/bin/uv pip compile --quiet pyproject.toml --extra operator --constraint requirements.lock -o /tmp/runtime.txt \
 && /opt/wabiz/bin/uv pip install --python /opt/wabiz/bin/python --no-cache -r /tmp/runtime.txt \
 && /opt/wabiz/bin/uv pip install --python /opt/wabiz/bin/python --no-cache --no-deps . \
 && /opt/wabiz/bin/pip uninstall -y uv pip

FROM ${PYTHON_IMAGE}
RUN groupadd --gid 10001 wabiz && useradd --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin wabiz
COPY --from=build /opt/wabiz /opt/wabiz
ENV PATH=/opt/wabiz/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["wabiz"]
CMD ["operator"]
