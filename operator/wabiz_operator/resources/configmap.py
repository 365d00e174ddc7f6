"""Configuration of the app containers: plain settings in a ConfigMap, secrets by secretKeyRef.

Each component gets only the secrets it uses (`secret_env`), so a compromised sandbox cannot read
the database password, and a compromised WebApp cannot sign callbacks.
"""

from __future__ import annotations

from dataclasses import dataclass

from wabiz_operator.client import Client
from wabiz_operator.resources import cnpg
from wabiz_operator.resources.common import POSTGRES_PORT, SANDBOX_PORT, Obj, metadata
from wabiz_operator.resources.secrets import (
    ADMIN_PASSWORD,
    API_KEY,
    APP_SECRET,
    INTERNAL_TOKEN,
    SANDBOX_CONTROL_TOKEN,
    SANDBOX_TOKEN,
    VERIFY_TOKEN,
    WEBHOOK_SECRET,
    database_secret_name,
    generated_secret_name,
)

CLOUD_API_URL = "https://graph.facebook.com"


@dataclass(frozen=True)
class SecretRef:
    """One value a container reads from a Secret, as the env variable it becomes."""

    env: str
    secret: str
    key: str


def config_name(client: Client) -> str:
    return client.child("config")


def service_url(client: Client, component: str, port: int) -> str:
    return f"http://{client.child(component)}.{client.namespace}.svc:{port}"


def webapp_url(client: Client) -> str:
    """The WebApp's in-cluster URL: its Service's port (80 by default), not the container's."""
    return service_url(client, "webapp", client.spec.webapp.service.port)


def database_settings(client: Client) -> dict[str, str]:
    external = client.spec.database.external
    if external is not None:
        return {
            "WABIZ_DATABASE_HOST": external.host,
            "WABIZ_DATABASE_PORT": str(external.port),
            "WABIZ_DATABASE_NAME": external.name,
            "WABIZ_DATABASE_SSLMODE": external.ssl_mode,
        }
    if client.spec.database.cloudnativepg is not None:
        return {
            "WABIZ_DATABASE_HOST": cnpg.primary_host(client),
            "WABIZ_DATABASE_PORT": str(POSTGRES_PORT),
            "WABIZ_DATABASE_NAME": cnpg.DATABASE,
            "WABIZ_DATABASE_SSLMODE": "verify-full",
            "WABIZ_DATABASE_SSLROOTCERT": f"{cnpg.CA_DIRECTORY}/{cnpg.CA_KEY}",
        }
    return {
        "WABIZ_DATABASE_HOST": f"{database_secret_name(client)}.{client.namespace}.svc",
        "WABIZ_DATABASE_PORT": str(POSTGRES_PORT),
        "WABIZ_DATABASE_NAME": "wabiz",
        "WABIZ_DATABASE_SSLMODE": "prefer",
    }


def _upstream_settings(client: Client) -> dict[str, str]:
    upstream = client.spec.upstream
    if upstream.cloud is not None:
        return {
            "WABIZ_UPSTREAM": "cloud",
            "WABIZ_UPSTREAM_URL": CLOUD_API_URL,
            "WABIZ_UPSTREAM_PHONE_NUMBER_ID": upstream.cloud.phone_number_id,
        }
    sandbox = service_url(client, "sandbox", SANDBOX_PORT)
    return {
        "WABIZ_UPSTREAM": "sandbox",
        "WABIZ_UPSTREAM_URL": sandbox,
        "WABIZ_SANDBOX_WEBHOOK_URL": webapp_url(client) + "/upstream/webhook",
        "WABIZ_SANDBOX_PUBLIC_URL": sandbox,
        "WABIZ_SANDBOX_ENFORCE_WINDOW": str(
            upstream.sandbox.enforce_window if upstream.sandbox else True
        ).lower(),
    }


def settings(client: Client) -> dict[str, str]:
    s3 = client.spec.media.s3
    values = {
        "WABIZ_LOG_LEVEL": "INFO",
        "WABIZ_MEDIA_BACKEND": "s3",
        "WABIZ_S3_BUCKET": s3.bucket,
        "WABIZ_S3_REGION": s3.region,
        "WABIZ_ALLOW_INSECURE_WEBHOOKS": str(client.spec.webhooks.allow_insecure).lower(),
        **database_settings(client),
        **_upstream_settings(client),
    }
    if s3.endpoint:
        values["WABIZ_S3_ENDPOINT"] = s3.endpoint
    if client.spec.webhooks.allow_private_networks:
        values["WABIZ_WEBHOOK_ALLOW_PRIVATE"] = ",".join(client.spec.webhooks.allow_private_networks)
    return values


def build_configmap(client: Client) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(client, "config", config_name(client)),
        "data": settings(client),
    }


def _database_refs(client: Client) -> list[SecretRef]:
    external = client.spec.database.external
    if external is not None:
        ref = external.credentials_secret_ref
        return [
            SecretRef("WABIZ_DATABASE_USER", ref.name, ref.username_key),
            SecretRef("WABIZ_DATABASE_PASSWORD", ref.name, ref.password_key),
        ]
    if client.spec.database.cloudnativepg is not None:
        return [
            SecretRef("WABIZ_DATABASE_USER", cnpg.app_secret_name(client), "username"),
            SecretRef("WABIZ_DATABASE_PASSWORD", cnpg.app_secret_name(client), "password"),
        ]
    return [
        SecretRef("WABIZ_DATABASE_USER", database_secret_name(client), "username"),
        SecretRef("WABIZ_DATABASE_PASSWORD", database_secret_name(client), "password"),
    ]


def _media_refs(client: Client) -> list[SecretRef]:
    ref = client.spec.media.s3.credentials_secret_ref
    return [
        SecretRef("WABIZ_S3_ACCESS_KEY_ID", ref.name, ref.access_key_id_key),
        SecretRef("WABIZ_S3_SECRET_ACCESS_KEY", ref.name, ref.secret_access_key_key),
    ]


def _upstream_refs(client: Client, *, send: bool) -> list[SecretRef]:
    """The app secret verifies the network's events (WebApp and CoreApp); only the CoreApp sends."""
    generated, cloud = generated_secret_name(client), client.spec.upstream.cloud
    refs = [SecretRef("WABIZ_UPSTREAM_VERIFY_TOKEN", generated, VERIFY_TOKEN)]
    if cloud is not None:
        refs.append(
            SecretRef("WABIZ_UPSTREAM_APP_SECRET", cloud.app_secret_ref.name, cloud.app_secret_ref.key)
        )
        if send:
            refs.append(
                SecretRef("WABIZ_UPSTREAM_TOKEN", cloud.token_secret_ref.name, cloud.token_secret_ref.key)
            )
        return refs
    refs.append(SecretRef("WABIZ_UPSTREAM_APP_SECRET", generated, APP_SECRET))
    if send:
        refs.append(SecretRef("WABIZ_UPSTREAM_TOKEN", generated, SANDBOX_TOKEN))
    return refs


def _webhook_ref(client: Client) -> SecretRef:
    """Callbacks are always signed: with the user's secret, or one the operator generates."""
    ref = client.spec.webhooks.secret_ref
    if ref is not None:
        return SecretRef("WABIZ_WEBHOOK_SECRET", ref.name, ref.key)
    return SecretRef("WABIZ_WEBHOOK_SECRET", generated_secret_name(client), WEBHOOK_SECRET)


def secret_refs(client: Client, component: str) -> list[SecretRef]:
    """Exactly the secrets a component reads; nothing else reaches its environment."""
    generated = generated_secret_name(client)
    internal = SecretRef("WABIZ_INTERNAL_TOKEN", generated, INTERNAL_TOKEN)
    if component == "webapp":
        return [
            internal,
            SecretRef("WABIZ_API_KEY", generated, API_KEY),
            *_database_refs(client),
            *_media_refs(client),
            *_upstream_refs(client, send=False),
        ]
    if component == "coreapp":
        return [
            internal,
            *_database_refs(client),
            *_media_refs(client),
            *_upstream_refs(client, send=True),
            _webhook_ref(client),
        ]
    if component == "sandbox":
        return [
            SecretRef("WABIZ_SANDBOX_TOKEN", generated, SANDBOX_TOKEN),
            SecretRef("WABIZ_SANDBOX_APP_SECRET", generated, APP_SECRET),
            SecretRef("WABIZ_SANDBOX_CONTROL_TOKEN", generated, SANDBOX_CONTROL_TOKEN),
        ]
    if component == "migrate":
        return [*_database_refs(client), SecretRef("WABIZ_ADMIN_PASSWORD", generated, ADMIN_PASSWORD)]
    raise ValueError(f"unknown component {component}")


def secret_env(client: Client, component: str) -> list[Obj]:
    """Secret values as env entries: never copied into the ConfigMap or the operator's logs."""
    return [
        {"name": ref.env, "valueFrom": {"secretKeyRef": {"name": ref.secret, "key": ref.key}}}
        for ref in secret_refs(client, component)
    ]


def env_from(client: Client) -> list[Obj]:
    return [{"configMapRef": {"name": config_name(client)}}]
