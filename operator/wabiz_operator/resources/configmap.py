"""Configuration of the app containers: plain settings in a ConfigMap, secrets by secretKeyRef."""

from __future__ import annotations

from wabiz_operator.resources.common import (
    POSTGRES_PORT,
    SANDBOX_PORT,
    Obj,
    child_name,
    metadata,
    namespace_of,
)
from wabiz_operator.resources.secrets import generated_secret_name


def config_name(client: Obj) -> str:
    return child_name(client, "config")


def _database_settings(client: Obj) -> dict[str, str]:
    database = client["spec"]["database"]
    if "external" in database:
        external = database["external"]
        return {
            "WABIZ_DATABASE_HOST": external["host"],
            "WABIZ_DATABASE_PORT": str(external.get("port", 5432)),
            "WABIZ_DATABASE_NAME": external.get("name", "wabiz"),
            "WABIZ_DATABASE_SSLMODE": external.get("sslMode", "require"),
        }
    return {
        "WABIZ_DATABASE_HOST": f"{child_name(client, 'postgres')}.{namespace_of(client)}.svc",
        "WABIZ_DATABASE_PORT": str(POSTGRES_PORT),
        "WABIZ_DATABASE_NAME": "wabiz",
        "WABIZ_DATABASE_USER": "wabiz",
        "WABIZ_DATABASE_SSLMODE": "prefer",
    }


def _upstream_settings(client: Obj) -> dict[str, str]:
    upstream = client["spec"].get("upstream", {"sandbox": {}})
    if "cloud" in upstream:
        return {
            "WABIZ_UPSTREAM": "cloud",
            "WABIZ_UPSTREAM_URL": "https://graph.facebook.com",
            "WABIZ_UPSTREAM_PHONE_NUMBER_ID": upstream["cloud"]["phoneNumberId"],
        }
    return {
        "WABIZ_UPSTREAM": "sandbox",
        "WABIZ_UPSTREAM_URL": service_url(client, "sandbox", SANDBOX_PORT),
        "WABIZ_SANDBOX_WEBHOOK_URL": webapp_url(client) + "/upstream/webhook",
        "WABIZ_SANDBOX_PUBLIC_URL": service_url(client, "sandbox", SANDBOX_PORT),
        "WABIZ_SANDBOX_ENFORCE_WINDOW": str(upstream["sandbox"].get("enforceWindow", True)).lower(),
    }


def service_url(client: Obj, component: str, port: int) -> str:
    return f"http://{child_name(client, component)}.{namespace_of(client)}.svc:{port}"


def webapp_url(client: Obj) -> str:
    """The WebApp's in-cluster URL: its Service's port (80 by default), not the container's."""
    return service_url(
        client, "webapp", int(client["spec"].get("webapp", {}).get("service", {}).get("port", 80))
    )


def settings(client: Obj) -> dict[str, str]:
    s3 = client["spec"]["media"]["s3"]
    values = {
        "WABIZ_LOG_LEVEL": "INFO",
        "WABIZ_MEDIA_BACKEND": "s3",
        "WABIZ_S3_BUCKET": s3["bucket"],
        "WABIZ_S3_REGION": s3.get("region", "us-east-1"),
        "WABIZ_ALLOW_INSECURE_WEBHOOKS": str(
            client["spec"].get("webhooks", {}).get("allowInsecure", False)
        ).lower(),
        **_database_settings(client),
        **_upstream_settings(client),
    }
    if s3.get("endpoint"):
        values["WABIZ_S3_ENDPOINT"] = s3["endpoint"]
    return values


def build_configmap(client: Obj) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(client, "config", config_name(client)),
        "data": settings(client),
    }


def _secret_env(name: str, secret: str, key: str) -> Obj:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}


def secret_env(client: Obj) -> list[Obj]:
    """Secret values as env entries: never copied into the ConfigMap or the operator's logs."""
    spec, generated = client["spec"], generated_secret_name(client)
    s3_ref = spec["media"]["s3"]["credentialsSecretRef"]
    env = [
        _secret_env("WABIZ_INTERNAL_TOKEN", generated, "internal-token"),
        _secret_env("WABIZ_API_KEY", generated, "api-key"),
        _secret_env("WABIZ_S3_ACCESS_KEY_ID", s3_ref["name"], s3_ref.get("accessKeyIdKey", "accessKeyId")),
        _secret_env(
            "WABIZ_S3_SECRET_ACCESS_KEY", s3_ref["name"], s3_ref.get("secretAccessKeyKey", "secretAccessKey")
        ),
    ]
    database = spec["database"]
    if "external" in database:
        ref = database["external"]["credentialsSecretRef"]
        env += [
            _secret_env("WABIZ_DATABASE_USER", ref["name"], ref.get("usernameKey", "username")),
            _secret_env("WABIZ_DATABASE_PASSWORD", ref["name"], ref.get("passwordKey", "password")),
        ]
    else:
        env.append(_secret_env("WABIZ_DATABASE_PASSWORD", child_name(client, "postgres"), "password"))
    upstream = spec.get("upstream", {"sandbox": {}})
    if "cloud" in upstream:
        token, app_secret = upstream["cloud"]["tokenSecretRef"], upstream["cloud"]["appSecretRef"]
        env += [
            _secret_env("WABIZ_UPSTREAM_TOKEN", token["name"], token.get("key", "token")),
            _secret_env("WABIZ_UPSTREAM_APP_SECRET", app_secret["name"], app_secret.get("key", "appSecret")),
        ]
    else:
        env += [
            _secret_env("WABIZ_UPSTREAM_TOKEN", generated, "sandbox-token"),
            _secret_env("WABIZ_UPSTREAM_APP_SECRET", generated, "app-secret"),
            _secret_env("WABIZ_SANDBOX_TOKEN", generated, "sandbox-token"),
            _secret_env("WABIZ_SANDBOX_APP_SECRET", generated, "app-secret"),
        ]
    env.append(_secret_env("WABIZ_UPSTREAM_VERIFY_TOKEN", generated, "verify-token"))
    hook_ref = spec.get("webhooks", {}).get("secretRef")
    if hook_ref:
        env.append(_secret_env("WABIZ_WEBHOOK_SECRET", hook_ref["name"], hook_ref.get("key", "secret")))
    return env


def env_from(client: Obj) -> list[Obj]:
    return [{"configMapRef": {"name": config_name(client)}}]
