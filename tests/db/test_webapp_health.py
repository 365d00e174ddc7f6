"""`/v1/health`, `/v1/stats/*`, `/metrics` and `/openapi.json` against a real database."""

from __future__ import annotations

from pathlib import Path

from tests.db.webapp_harness import (
    API_KEY,
    Running,
    admin_headers,
    error,
    register_account,
    register_node,
    running,
    webapp_config,
)
from wabiz import __version__

PROBE = {"Authorization": f"Apikey {API_KEY}"}


async def _health(run: Running) -> object:
    answer = await run.client.get("/v1/health", headers=PROBE)
    assert answer.status_code == 200, answer.text
    return answer.json()["health"]


async def test_health_shapes(run: Running) -> None:
    assert await _health(run) == {"gateway_status": "disconnected"}
    await register_node(run, "node-a", "http://a", shards=(0,), master=True)
    assert await _health(run) == {"gateway_status": "unregistered"}
    await register_account(run, shards=2)
    assert await _health(run) == {"gateway_status": "connected"}
    await register_node(run, "node-b", "http://b", shards=(1,), master=False)
    await register_node(run, "node-c", "http://c", shards=(), master=False)
    await run.sql("UPDATE nodes SET gateway_status = 'connecting' WHERE id = 'node-c'")
    await register_node(run, "node-old", "http://old", shards=(), master=False)
    await run.sql("UPDATE nodes SET heartbeat_at = now() - interval '1 hour' WHERE id = 'node-old'")
    assert await _health(run) == {
        "host:node-a": {"gateway_status": "connected", "role": "primary_master"},
        "host:node-b": {"gateway_status": "connected", "role": "coreapp"},
        "host:node-c": {"gateway_status": "connecting", "role": "secondary_master"},
    }


async def test_probe_credentials(run: Running) -> None:
    bearer = await admin_headers(run.client)
    for path in ("/v1/health", "/v1/stats/app", "/v1/stats/db", "/metrics"):
        assert (await run.client.get(path, headers=PROBE)).status_code == 200, path
        assert (await run.client.get(path, headers=bearer)).status_code == 200, path
        assert error(await run.client.get(path, headers={"Authorization": "Apikey wrong-key-123"}))[:2] == (
            401,
            1005,
        )
        assert error(await run.client.get(path))[:2] == (401, 1005)
    assert error(await run.client.get("/v1/users/admin", headers=PROBE))[:2] == (401, 1005), "probes only"


async def test_apikey_is_refused_when_none_is_configured(database_url: str, tmp_path: Path) -> None:
    async with running(webapp_config(database_url, tmp_path, api_key=None)) as run:
        assert error(await run.client.get("/v1/health", headers=PROBE))[:2] == (401, 1005)


async def _fill(run: Running) -> None:
    await register_account(run, shards=2)
    await register_node(run, "node-a", "http://a", shards=(0,))
    await run.sql(
        "INSERT INTO messages (id, direction, wa_id, shard, type, status) VALUES"
        " ('a', 'out', '1', 0, 'text', 'queued'), ('b', 'out', '1', 0, 'text', 'queued'),"
        " ('c', 'out', '1', 0, 'text', 'sent_upstream'), ('d', 'in', '1', 0, 'text', 'received')"
    )
    await run.sql(
        "INSERT INTO callbacks (shard, payload, attempts)"
        " VALUES (0, '{}', 0), (0, '{}', 3), (0, '{}', 12), (0, '{}', 15)"
    )


async def test_app_stats(run: Running) -> None:
    await _fill(run)
    answer = await run.client.get("/v1/stats/app", headers=PROBE)
    stats = answer.json()["stats"]["app"]
    assert stats["messages"] == {"in": {"received": 1}, "out": {"queued": 2, "sent_upstream": 1}}
    assert stats["messages_pending"] == 2
    assert stats["callbacks_pending"] == 4
    assert stats["callbacks_by_attempts"] == {"0": 1, "3": 1, "10+": 2}
    assert stats["callbacks_oldest_age_seconds"] >= 0
    assert (stats["shards"], stats["shards_owned"]) == (2, 1)

    prometheus = await run.client.get("/v1/stats/app", headers=PROBE, params={"format": "prometheus"})
    assert prometheus.headers["content-type"].startswith("text/plain")
    assert 'wabiz_app_messages{direction="out",status="queued"} 2.0' in prometheus.text
    assert 'wabiz_app_callbacks_by_attempts{attempts="10+"} 2.0' in prometheus.text
    assert "# TYPE wabiz_app_messages_pending gauge" in prometheus.text


async def test_db_stats(run: Running) -> None:
    await _fill(run)
    stats = (await run.client.get("/v1/stats/db", headers=PROBE)).json()["stats"]["db"]
    assert stats["rows"]["messages"] == 4
    assert stats["rows"]["users"] == 1
    assert stats["size_bytes"] > 0 and stats["connections"] >= 1
    prometheus = await run.client.get("/v1/stats/db", headers=PROBE, params={"format": "prometheus"})
    assert 'wabiz_db_rows{table="callbacks"} 4.0' in prometheus.text


async def test_stats_format_is_checked(run: Running) -> None:
    status, code, details = error(
        await run.client.get("/v1/stats/app", headers=PROBE, params={"format": "xml"})
    )
    assert (status, code) == (400, 1009) and details.startswith("format")


async def test_metrics_count_requests_by_route_template(run: Running) -> None:
    await run.client.get("/v1/media/some-id")
    await run.client.get("/v1/media/other-id")
    await run.client.get("/v1/nothing-here")
    text = (await run.client.get("/metrics", headers=PROBE)).text
    assert (
        'wabiz_webapp_http_requests_total{method="GET",route="/v1/media/{media_id}",status="401"} 2.0' in text
    )
    assert 'route="unmatched",status="404"' in text
    assert "some-id" not in text
    assert (
        'wabiz_webapp_http_request_duration_seconds_bucket{le="0.1",method="GET",route="/v1/media/{media_id}"}'
        in text
    )


async def test_openapi_and_unknown_routes(run: Running) -> None:
    document = (await run.client.get("/openapi.json")).json()
    assert (document["info"]["title"], document["info"]["version"]) == ("wabiz WebApp", __version__)
    send = document["paths"]["/v1/messages"]["post"]
    schema = send["requestBody"]["content"]["application/json"]["schema"]
    assert {"$ref": "#/components/schemas/TextMessage"} in schema["anyOf"], "models are components"
    assert {"/v1/users/login", "/v1/contacts", "/v1/media", "/v1/settings/application", "/v1/health"} <= set(
        document["paths"]
    )
    operations = [op for item in document["paths"].values() for op in item.values()]
    assert all({"401", "500", "503"} <= set(op["responses"]) for op in operations)
    assert not any("422" in op["responses"] for op in operations), "validation errors are 400, never 422"
    assert send["responses"]["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorEnvelope"
    }
    assert set(document["components"]["schemas"]["ErrorEnvelope"]["properties"]) == {"meta", "errors"}
    assert "*/*" in document["paths"]["/v1/media/{media_id}"]["get"]["responses"]["200"]["content"]
    answer = await run.client.get("/v1/nothing-here")
    assert error(answer)[:2] == (404, 1006)
    assert answer.json()["meta"]["version"] == __version__
    assert error(await run.client.delete("/v1/contacts", headers=await admin_headers(run.client)))[1] == 1025
