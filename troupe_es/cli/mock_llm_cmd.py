"""``troupe-es mock-llm serve``: the deterministic OpenAI-compatible mock LLM over HTTP."""

from __future__ import annotations

import click

from troupe_es.errors import ConfigurationError


@click.group(name="mock-llm")
def mock_llm() -> None:
    """The deterministic mock LLM, for tests and offline demos."""


@mock_llm.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="Port (0: any free port).")
@click.option("--latency-ms", type=click.FloatRange(0), default=0.0, show_default=True, help="Delay per chat request.")
@click.option("--error-rate", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Share of chat requests answered 429 (with Retry-After) or 500.")
@click.option("--malformed-rate", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Share of chat requests answered with truncated JSON.")
@click.option("--retry-after", type=click.FloatRange(0), default=1.0, show_default=True,
              help="Seconds to wait sent with injected 429s (Retry-After rounded up, retry-after-ms exact).")
@click.option("--error-kinds", default="429,500", show_default=True,
              help="Comma-separated HTTP statuses the injected errors are drawn from.")
@click.option("--hostile", default="", metavar="KINDS",
              help="Comma-separated broken answers to imitate: html, text, empty-object, no-choices, "
                   "error-object (all HTTP 200) or hang (never answers).")
@click.option("--hostile-rate", type=click.FloatRange(0, 1), default=1.0, show_default=True,
              help="Share of requests given a --hostile answer.")
@click.option("--hostile-attempts", type=click.IntRange(0), default=0, show_default=True,
              help="Only the first N attempts of each request can be hostile (0: every attempt).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the fault injection.")
def serve(host: str, port: int, latency_ms: float, error_rate: float, malformed_rate: float,
          retry_after: float, error_kinds: str, hostile: str, hostile_rate: float, hostile_attempts: int,
          seed: int) -> None:
    """Serve /v1/chat/completions, /v1/embeddings, /v1/models and /stats until Ctrl-C.

    Point any OpenAI client at it: `troupe-es run SCENARIO --llm openai --base-url http://HOST:PORT/v1`.
    """
    from troupe_es.llm.mock_server import HOSTILE_KINDS, MockServer, MockServerConfig

    kinds = tuple(k.strip() for k in error_kinds.split(",") if k.strip())
    if not kinds or not all(k.isdigit() and 400 <= int(k) <= 599 for k in kinds):
        raise click.BadParameter(f"{error_kinds!r}: use HTTP error statuses such as 429,500", param_hint="--error-kinds")
    broken = tuple(k.strip() for k in hostile.split(",") if k.strip())
    if any(k not in HOSTILE_KINDS for k in broken):
        raise click.BadParameter(f"{hostile!r}: use {', '.join(HOSTILE_KINDS)}", param_hint="--hostile")
    try:
        server = MockServer(host, port, MockServerConfig(
            latency_ms=latency_ms, error_rate=error_rate, malformed_rate=malformed_rate, retry_after=retry_after,
            error_kinds=kinds, hostile=broken, hostile_rate=hostile_rate, hostile_attempts=hostile_attempts,
            seed=seed))
    except OSError as exc:
        raise ConfigurationError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    click.echo(f"mock LLM listening on {server.base_url}", err=True)
    click.echo(server.base_url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
