"""The planner's workbench in the browser (``landalloc serve``, issue 24).

A small Starlette application served by uvicorn on 127.0.0.1 by default. Everything it keeps
lives in one workspace folder (:mod:`landalloc.workbench.workspace`): validated data, scenario
files, result and comparison folders and the jobs. Solves and comparisons run as separate
processes (:mod:`landalloc.workbench.jobs`, :mod:`landalloc.workbench.job_main`) whose state is on
disk, so that the server stays responsive, two users do not block each other, a page reload finds
its jobs again and a cancelled job leaves the previous result as it was. The page itself is plain
HTML with a small script (``static/``), served from the package: no CDN, no network.

Why Starlette and uvicorn: both are small, well kept and typed; Starlette gives routing, file
responses and multipart uploads (with ``python-multipart``) without pulling in a larger framework,
and uvicorn is the usual ASGI server. The jobs need no broker: a process each, a JSON file each.
"""
