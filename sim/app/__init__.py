"""The interactive playground (`sim app`): move a lever, watch the whole distribution move.

A local Panel app (docs/app.md). The modules below `page`, `controls` and `plots` import no web
framework, so the benchmark and tests use them directly:

- `levers`: the policy levers read from the scenario schema (unit, range, description);
- `compute`: loading with the levers applied, running off the interface thread, cancelling,
  the baseline cache;
- `views`: the numbers of every view; `export`: YAML, CSV and the reproducing command lines;
- `controls`, `plots`, `page`: the Panel widgets, the Bokeh views and the page;
- `serve`: start the server (what `sim app` calls).
"""

from __future__ import annotations

from pathlib import Path


def serve(
    scenario: Path,
    baseline: Path,
    port: int = 8050,
    runs: int = 1000,
    host: str = "127.0.0.1",
    seed: int | None = None,
    ready: object = None,
) -> None:
    """Serve the playground on http://HOST:PORT until interrupted.

    Args:
        scenario: the scenario file shown first.
        baseline: the scenario every view is paired with.
        port: TCP port (0: any free one).
        runs: runs of the first view [runs].
        host: the address to listen on (127.0.0.1: this machine only).
        seed: seed of the first view [default: the scenario's].
        ready: called with the server's URL once it listens (the command prints it).
    """
    import panel as pn

    from sim.app.compute import KEPT_STREAMS, Engine
    from sim.app.page import session
    from sim.model.sampling import keep_streams

    keep_streams(KEPT_STREAMS)  # every lever change reruns the same seed: reuse its shocks
    engine = Engine(baseline)

    def page() -> object:  # a plain function: Panel calls it once per browser session
        return session(engine, Path(scenario), runs, seed)

    server = pn.serve(
        {"/": page},
        port=port,
        address=host,
        websocket_origin=[f"{host}:{port}", f"localhost:{port}", f"127.0.0.1:{port}"],
        show=False,
        start=False,
        title="sim playground",
        verbose=False,
    )
    url = f"http://{host}:{server.port}/"
    if callable(ready):
        ready(url)
    server.start()
    server.io_loop.start()
