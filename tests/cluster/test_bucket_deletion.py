"""`media.deletionPolicy: Delete`: versioned buckets are emptied and deleted; a bucket already gone
counts as deleted; with the credentials gone the client is released and the bucket kept, with a
Warning that names it."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
import yaml

from tests.cluster.operators import Operator, get, s3_secret, shared_secret
from tests.tooling.control_plane import ControlPlane
from tests.tooling.waiting import eventually
from wabiz.local.s3 import ACCESS_KEY, SECRET_KEY, LocalS3


def bucket_client(s3: LocalS3) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=s3.endpoint,
        region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


def exists(s3: LocalS3, bucket: str) -> bool:
    client = bucket_client(s3)
    try:
        return bucket in {b["Name"] for b in client.list_buckets()["Buckets"]}
    finally:
        client.close()


def create(cluster: ControlPlane, namespace: str, s3: LocalS3, bucket: str) -> None:
    s3_secret(cluster, namespace)
    shared_secret(cluster, namespace, "db", {"username": "u", "password": "p"})
    client = {
        "apiVersion": "wabiz.io/v1alpha1",
        "kind": "WhatsAppClient",
        "metadata": {"name": "gone"},
        "spec": {
            # A database nobody runs: the bucket's lifecycle does not depend on it.
            "database": {
                "external": {
                    "host": "127.0.0.1",
                    "port": 1,
                    "sslMode": "disable",
                    "credentialsSecretRef": {"name": "db"},
                }
            },
            "media": {
                "s3": {
                    "endpoint": s3.endpoint,
                    "bucket": bucket,
                    "credentialsSecretRef": {"name": "media-credentials"},
                },
                "deletionPolicy": "Delete",
            },
        },
    }
    cluster.kubectl("apply", "-n", namespace, "-f", "-", stdin=yaml.safe_dump(client))
    eventually(lambda: exists(s3, bucket), timeout=90, what=f"bucket {bucket} created")
    eventually(
        lambda: (
            "wabiz.io/finalizer"
            in (get(cluster, namespace, "wac", "gone")["metadata"].get("finalizers") or [])
        ),
        timeout=60,
        what="the bucket finalizer",
    )


def delete(cluster: ControlPlane, namespace: str) -> None:
    cluster.kubectl("delete", "wac", "gone", "-n", namespace, "--wait=true", "--timeout=90s")


def reasons(cluster: ControlPlane, namespace: str) -> dict[str, dict[str, Any]]:
    return {
        e["reason"]: e
        for e in get(cluster, namespace, "events")["items"]
        if e["involvedObject"]["name"] == "gone"
    }


def test_a_versioned_bucket_is_emptied_and_deleted(
    cluster: ControlPlane, operator: Operator, namespace: str, s3: LocalS3
) -> None:
    bucket = f"ver-{namespace}"
    create(cluster, namespace, s3, bucket)
    client = bucket_client(s3)
    try:
        client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        for body in (b"one", b"two"):
            client.put_object(Bucket=bucket, Key="media/a", Body=body)
        client.delete_object(Bucket=bucket, Key="media/a")  # a delete marker over two versions
    finally:
        client.close()
    delete(cluster, namespace)
    assert not exists(s3, bucket)
    assert "3 object versions" in reasons(cluster, namespace)["BucketDeleted"]["message"]


def test_a_bucket_already_gone_counts_as_deleted(
    cluster: ControlPlane, operator: Operator, namespace: str, s3: LocalS3
) -> None:
    bucket = f"gone-{namespace}"
    create(cluster, namespace, s3, bucket)
    client = bucket_client(s3)
    try:
        client.delete_bucket(Bucket=bucket)
    finally:
        client.close()
    delete(cluster, namespace)
    assert "BucketGone" in reasons(cluster, namespace)


@pytest.mark.timeout(300)
def test_without_credentials_the_client_goes_and_the_bucket_stays(
    cluster: ControlPlane, operator: Operator, namespace: str, s3: LocalS3
) -> None:
    bucket = f"kept-{namespace}"
    create(cluster, namespace, s3, bucket)
    cluster.kubectl("delete", "secret", "media-credentials", "-n", namespace)
    delete(cluster, namespace)
    assert exists(s3, bucket), "nothing could delete it"
    warning = reasons(cluster, namespace)["BucketRetained"]
    assert warning["type"] == "Warning" and bucket in warning["message"]
