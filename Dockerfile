# The processor image: `exchange run` against Apache Kafka and PostgreSQL (see docker-compose.yml and
# deploy/README.md). Reproducible: the base image is pinned by digest (`make pin-images` refreshes it
# where Docker runs) and every Python dependency by constraints.txt (`make constraints`).
ARG PYTHON_IMAGE=python:3.11.14-slim@sha256:c8271b1f627d0068857dce5b53e14a9558603b527e46f1f901722f935b786a39

FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
COPY constraints.txt pyproject.toml README.md ./
COPY exchange ./exchange
COPY crypto ./crypto
COPY consumers ./consumers
COPY xsd ./xsd
RUN pip wheel --no-cache-dir --constraint constraints.txt --wheel-dir /wheels .

FROM ${PYTHON_IMAGE}
# A fixed uid and gid: the private keys mounted from deploy/keys are mode 0600, so they must belong to
# this user on the host (deploy/README.md: chown 10001:10001).
RUN groupadd --system --gid 10001 exchange \
    && useradd --system --uid 10001 --gid exchange --home-dir /var/lib/exchange --create-home exchange
COPY --from=build /wheels /wheels
COPY constraints.txt /tmp/constraints.txt
# Offline install from the wheels built above: nothing unpinned can slip in at this stage.
RUN pip install --no-cache-dir --no-index --find-links /wheels --constraint /tmp/constraints.txt exchange \
    && rm -rf /wheels /tmp/constraints.txt
USER 10001:10001
WORKDIR /var/lib/exchange
ENV EXCHANGE_DATA_DIR=/var/lib/exchange EXCHANGE_LOG_FORMAT=json
EXPOSE 9464
ENTRYPOINT []
CMD ["exchange", "run"]
