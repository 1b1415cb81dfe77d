# Dash API image: slim Python, dependencies installed by uv from the committed lock, non-root user.
FROM python:3.11-slim-bookworm AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH="/opt/venv/bin:$PATH"

RUN pip install --no-cache-dir uv \
    && groupadd --system dash \
    && useradd --system --gid dash --home-dir /app --shell /usr/sbin/nologin dash

WORKDIR /app

# Dependencies first (cached layer), then the project itself.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project

COPY app ./app
COPY agents ./agents
COPY db ./db
COPY evals ./evals
COPY knowledge ./knowledge
COPY scripts ./scripts
RUN uv sync --frozen --no-dev && chown -R dash:dash /app

USER dash
EXPOSE 8000

HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=5 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status == 200 else 1)"

# `dash up` bootstraps schemas, roles and grants, then serves the API. No sample data in containers:
# load it explicitly with `docker exec -it dash-api python scripts/generate_data.py`.
CMD ["dash", "up", "--host", "0.0.0.0", "--port", "8000", "--no-sample-data", "--no-knowledge"]
