FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# Collected as production serves them (DEBUG off): the hashed names and their manifest, which production's storage
# reads for every page. A throwaway key, as the settings ask for one outside development; the real one comes at run.
RUN DEBUG=0 SECRET_KEY=collectstatic-only-this-key-signs-nothing-and-is-not-used-at-run-time ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput
RUN useradd --system --home /app cchc && mkdir -p /data/media && chown -R cchc /data
USER cchc
EXPOSE 8000
CMD ["gunicorn", "cchc.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
