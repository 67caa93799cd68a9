# The Lambda container image: the FastAPI app behind Mangum (api.main.handler) with the audit engine.
# Build: `sam build` (needs Docker or Finch); the image is ~700 MB, beyond a zip function's 250 MB.
FROM public.ecr.aws/lambda/python:3.12

# Dependencies first, from the lock, so a code change does not rebuild this layer.
COPY pyproject.toml requirements.lock /tmp/build/
RUN python -c "import tomllib; p = tomllib.load(open('/tmp/build/pyproject.toml', 'rb'))['project']; \
print('\n'.join(p['dependencies'] + p['optional-dependencies']['api']))" > /tmp/build/requirements.txt \
 && pip install --no-cache-dir -c /tmp/build/requirements.lock -r /tmp/build/requirements.txt \
 && rm -rf /tmp/build

# GX must not phone home or write outside /tmp; matplotlib, if imported, caches under /tmp.
ENV GX_ANALYTICS_ENABLED=false \
    MPLCONFIGDIR=/tmp/matplotlib \
    PYTHONDONTWRITEBYTECODE=1

# Code last. The gx/ project is read-only here: each run writes under its own temp folder.
COPY expectations/ ${LAMBDA_TASK_ROOT}/expectations/
COPY auditing/ ${LAMBDA_TASK_ROOT}/auditing/
COPY api/ ${LAMBDA_TASK_ROOT}/api/
COPY gx/great_expectations.yml gx/config_variables.yml ${LAMBDA_TASK_ROOT}/gx/
COPY gx/expectations/ ${LAMBDA_TASK_ROOT}/gx/expectations/
COPY gx/checkpoints/ ${LAMBDA_TASK_ROOT}/gx/checkpoints/
COPY gx/validation_definitions/ ${LAMBDA_TASK_ROOT}/gx/validation_definitions/

CMD ["api.main.handler"]
