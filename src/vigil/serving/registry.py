"""The in-process registry of endpoints: loaded models, traffic split, capture settings.

An :class:`EndpointRegistry` maps endpoint names to live :class:`Endpoint` objects and can be
changed while the server runs (the control plane creates, updates and deletes endpoints through
:meth:`EndpointRegistry.put` and :meth:`EndpointRegistry.delete`). Writers take a lock and swap
in a new mapping (copy on write), so the request path reads it without locking and always sees
a whole endpoint, old or new. On update, a variant whose model config is unchanged keeps its
loaded model (no reload, no dropped connections).

Traffic split (SageMaker's production variants): each request goes to variant ``i`` with
probability ``initial_weight_i / sum(initial_weight)``, drawn from a :class:`random.Random`
seeded per endpoint (``seed`` of the registry), unless the caller names a variant with
``X-Amzn-SageMaker-Target-Variant``. A variant of weight 0 receives only targeted requests.

Examples
--------
>>> from vigil.serving.config import EndpointConfig
>>> registry = EndpointRegistry(seed=1, loader=lambda config: None)
>>> registry.put(EndpointConfig.model_validate({"name": "ep", "variants": [
...     {"name": "A", "model": {"flavor": "python", "entry_point": "m:f"}, "initial_weight": 3},
...     {"name": "B", "model": {"flavor": "python", "entry_point": "m:g"}, "initial_weight": 1}]}))
[]
>>> ep = registry.get("ep")
>>> picks = [ep.choose(None).name for _ in range(4000)]
>>> 2800 < picks.count("A") < 3200
True
>>> ep.choose("B").name
'B'
"""

from __future__ import annotations

import bisect
import itertools
import random
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from vigil.capture.record import CaptureContentTypes, media_type
from vigil.capture.sampler import Sampler
from vigil.serving.config import EndpointConfig, ModelConfig, ServeConfig, VariantConfig
from vigil.serving.models import Model, load_model
from vigil.serving.payload import HttpError

__all__ = ["CaptureSettings", "Endpoint", "EndpointRegistry", "Variant"]

TARGET_VARIANT_HEADER = "X-Amzn-SageMaker-Target-Variant"


@dataclass(frozen=True, slots=True)
class Variant:
    """A production or shadow variant with its loaded model.

    Attributes
    ----------
    name : str
    config : VariantConfig
    model : Model
    """

    name: str
    config: VariantConfig
    model: Model


@dataclass(frozen=True, slots=True)
class CaptureSettings:
    """An endpoint's data capture, ready for the request path.

    Attributes
    ----------
    destination : str
        Capture root (local folder or fsspec URL).
    sampler : Sampler
        Production variants' per-request draw.
    shadow_sampler : Sampler
        The shadow variant's own draw (same percentage, independent stream).
    capture_input, capture_output : bool
        Which sides are captured (``capture_options``).
    content_types : CaptureContentTypes
        CSV/JSON/BASE64 encoding by content type.
    """

    destination: str
    sampler: Sampler
    shadow_sampler: Sampler
    capture_input: bool
    capture_output: bool
    content_types: CaptureContentTypes


def _seed(seed: int | str | None, *parts: str) -> str | None:
    return None if seed is None else "/".join((str(seed), *parts))


class Endpoint:
    """A live endpoint: variants with loaded models, the traffic split and capture settings.

    Built by :class:`EndpointRegistry`; see the module docstring for routing.

    Attributes
    ----------
    name : str
    config : EndpointConfig
    variants : dict of str to Variant
        Production variants by name.
    shadow : Variant or None
    capture : CaptureSettings or None
        None when capture is disabled.
    csv_types, json_types : frozenset of str
        The endpoint's capture content types (media types), also accepted as input formats.
    """

    def __init__(
        self, config: EndpointConfig, models: dict[str, Model], *, seed: int | str | None
    ) -> None:
        self.name = config.name
        self.config = config
        self.variants = {v.name: Variant(v.name, v, models[v.name]) for v in config.variants}
        shadow = config.shadow_variant
        self.shadow = None if shadow is None else Variant(shadow.name, shadow, models[shadow.name])
        production = list(self.variants.values())
        self._single = production[0] if len(production) == 1 else None
        self._production = production
        self._cumulative = list(itertools.accumulate(v.config.initial_weight for v in production))
        self._total = self._cumulative[-1]
        self._random = random.Random(_seed(seed, config.name, "route"))
        dc = config.data_capture
        self.csv_types = frozenset(media_type(t) for t in dc.csv_content_types)
        self.json_types = frozenset(media_type(t) for t in dc.json_content_types)
        self.capture: CaptureSettings | None = None
        if dc.enable_capture and dc.destination is not None:
            self.capture = CaptureSettings(
                destination=dc.destination,
                sampler=Sampler(dc.sampling_percentage, seed=_seed(seed, config.name, "capture")),
                shadow_sampler=Sampler(
                    dc.sampling_percentage, seed=_seed(seed, config.name, "shadow-capture")
                ),
                capture_input="Input" in dc.capture_options,
                capture_output="Output" in dc.capture_options,
                content_types=CaptureContentTypes(
                    csv=dc.csv_content_types, json=dc.json_content_types
                ),
            )

    def choose(self, target: str | None) -> Variant:
        """The production variant for one request.

        Parameters
        ----------
        target : str or None
            The ``X-Amzn-SageMaker-Target-Variant`` header; None draws by weight.

        Raises
        ------
        HttpError
            404 if ``target`` names no production variant of this endpoint.
        """
        if target is not None:
            variant = self.variants.get(target)
            if variant is None:
                raise HttpError(
                    404,
                    "VariantNotFound",
                    f"endpoint {self.name!r} has no production variant {target!r}; it has "
                    f"{sorted(self.variants)}",
                )
            return variant
        if self._single is not None:
            return self._single
        index = bisect.bisect_right(self._cumulative, self._random.random() * self._total)
        return self._production[min(index, len(self._production) - 1)]

    def models(self) -> list[Model]:
        """Every loaded model (production and shadow)."""
        found = [v.model for v in self.variants.values()]
        if self.shadow is not None:
            found.append(self.shadow.model)
        return found


class EndpointRegistry:
    """Endpoints by name, changeable at run time (thread-safe writers, lock-free readers).

    Parameters
    ----------
    seed : int, str or None, default=None
        Seeds each endpoint's traffic split and capture sampling (per endpoint name), for
        reproducible tests. None: seeded from the operating system.
    loader : callable, default=load_model
        Loads a model from its config.
    """

    def __init__(
        self,
        *,
        seed: int | str | None = None,
        loader: Callable[[ModelConfig], Model] = load_model,
    ) -> None:
        self.seed = seed
        self._loader = loader
        self._endpoints: dict[str, Endpoint] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config: ServeConfig, *, seed: int | str | None = None) -> EndpointRegistry:
        """A registry holding every endpoint of a serve config (models loaded now).

        Raises
        ------
        DatasetNotFoundError, DatasetFormatError, InvalidParameterError
            If a model cannot be loaded.
        """
        registry = cls(seed=seed)
        for endpoint in config.endpoints:
            registry.put(endpoint)
        return registry

    def get(self, name: str) -> Endpoint | None:
        """The endpoint called ``name``, or None."""
        return self._endpoints.get(name)

    def names(self) -> list[str]:
        """Endpoint names, sorted."""
        return sorted(self._endpoints)

    def __len__(self) -> int:
        return len(self._endpoints)

    def __contains__(self, name: object) -> bool:
        return name in self._endpoints

    def __iter__(self) -> Iterator[Endpoint]:
        return iter(list(self._endpoints.values()))

    def put(self, config: EndpointConfig) -> list[Model]:
        """Create or replace an endpoint.

        Models are loaded before the swap, so requests keep going to the old endpoint until the
        new one is ready; a variant (production or shadow) whose model config is unchanged
        keeps its loaded model.

        Returns
        -------
        list of Model
            Models of the old endpoint that are no longer used; the caller should
            ``await model.aclose()`` them (or use :meth:`update`).

        Raises
        ------
        DatasetNotFoundError, DatasetFormatError, InvalidParameterError
            If a model cannot be loaded; the registry is then unchanged.
        """
        old = self._endpoints.get(config.name)
        reusable: dict[ModelConfig, Model] = {}
        if old is not None:
            for variant in [*old.variants.values(), *([old.shadow] if old.shadow else [])]:
                reusable.setdefault(variant.config.model, variant.model)
        wanted = [*config.variants, *([config.shadow_variant] if config.shadow_variant else [])]
        models: dict[str, Model] = {}
        for variant_config in wanted:
            model = reusable.get(variant_config.model)
            models[variant_config.name] = (
                model if model is not None else self._loader(variant_config.model)
            )
        endpoint = Endpoint(config, models, seed=self.seed)
        with self._lock:
            replaced = self._endpoints.get(config.name)
            self._endpoints = {**self._endpoints, config.name: endpoint}
        if replaced is None:
            return []
        kept = {id(m) for m in models.values()}
        return [m for m in _unique(replaced.models()) if id(m) not in kept]

    def delete(self, name: str) -> list[Model]:
        """Remove an endpoint; returns its models for the caller to close (empty if unknown)."""
        with self._lock:
            removed = self._endpoints.get(name)
            if removed is None:
                return []
            self._endpoints = {k: v for k, v in self._endpoints.items() if k != name}
        return _unique(removed.models())

    async def update(self, config: EndpointConfig) -> None:
        """:meth:`put`, then close the models it retired."""
        for model in self.put(config):
            await model.aclose()

    async def remove(self, name: str) -> bool:
        """:meth:`delete`, then close its models. Returns whether the endpoint existed."""
        existed = name in self._endpoints
        for model in self.delete(name):
            await model.aclose()
        return existed

    async def aclose(self) -> None:
        """Close every model (connection pools of proxies); the endpoints stay registered."""
        seen: set[int] = set()
        for endpoint in list(self._endpoints.values()):
            for model in endpoint.models():
                if id(model) not in seen:
                    seen.add(id(model))
                    await model.aclose()


def _unique(models: list[Model]) -> list[Model]:
    seen: set[int] = set()
    out = []
    for model in models:
        if id(model) not in seen:
            seen.add(id(model))
            out.append(model)
    return out
