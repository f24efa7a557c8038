# The processor image: `exchange run` against Apache Kafka and PostgreSQL (see docker-compose.yml).
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY exchange ./exchange
COPY crypto ./crypto
COPY consumers ./consumers
COPY xsd ./xsd
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --system --home-dir /var/lib/exchange --create-home exchange
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER exchange
WORKDIR /var/lib/exchange
ENV EXCHANGE_DATA_DIR=/var/lib/exchange EXCHANGE_LOG_FORMAT=json
EXPOSE 9464
ENTRYPOINT []
CMD ["exchange", "run"]
