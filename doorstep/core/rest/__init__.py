"""The one JSON API's plumbing, below every app: the error shape and its handler, strict field
types, the strict request parser and keyset pages. The NinjaAPI that mounts the apps' routers
is project level (``doorstep.api``)."""
