"""``ShowImage``: agents are shown an image, a vision model describes it once, they perceive it.

The image's bytes are in the store's blob table (put there by the scenario runner or the
notebook facade before the command); the command and every event carry its
:class:`~troupe_es.events.vision.ImageRef`. The description is one gateway call whose user
message holds an image part naming the blob (:func:`troupe_es.llm.vision.image_part`): recorded,
cached and replayed like any call, so a rerun of the same image costs no call and a replay reads
neither the file nor the blob's bytes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from troupe_es.commands.models import ShowImage
from troupe_es.commands.step import call_all, completion_id, prepare_llm
from troupe_es.errors import CorruptBlobError, SimulationError
from troupe_es.events import ImageDescribed, ImageRef, StimulusPerceived
from troupe_es.llm.vision import image_part

if TYPE_CHECKING:
    from troupe_es.events import Recorded
    from troupe_es.runtime import MessageBus

SYSTEM_PROMPT = ("You describe images for people who cannot see them. In two or three plain sentences, say "
                 "what the image shows: the objects, any readable text or brand, the colours and the overall "
                 "impression. Describe only what is visible; do not speculate.")


def describe_messages(image: ImageRef, caption: str) -> list[dict[str, Any]]:
    """The description call's messages (pure): the image is referenced by its blob's hash."""
    ask = "Describe this image."
    if caption:
        ask += f" It is shown with this text: {caption}"
    return [{"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": [{"type": "text", "text": ask}, image_part(image.sha256)]}]


def seen_text(caption: str, description: str) -> str:
    """What an agent perceives (pure): the caption, then what the image shows."""
    description = " ".join(description.split()) or "an image the model could not describe"
    return f"{caption} [image: {description}]" if caption else f"[image: {description}]"


def recipients(cmd: ShowImage, bus: "MessageBus") -> tuple[list[str], str | None]:
    """Who is shown the image (``agents``, else everyone in ``world``), and their world."""
    if cmd.agents:
        for name in cmd.agents:
            bus.require_agent(name, where="see: ")
        return list(cmd.agents), bus.state.agents[cmd.agents[0]].world
    if cmd.world is None:
        raise SimulationError("see: name the agents to show the image to, or a world")
    bus.require_world(cmd.world)
    members = list(bus.state.worlds[cmd.world].members)
    if not members:
        raise SimulationError(f"see: world {cmd.world!r} has nobody in it to show the image to")
    return members, cmd.world


def show_image(cmd: ShowImage, bus: "MessageBus") -> list["Recorded"]:
    """Describe the image once (a recorded LLM call), record ``ImageDescribed``, then a ``see``
    stimulus for each recipient; raises the call's error after recording it."""
    agents, world = recipients(cmd, bus)
    if cmd.image is None:
        return bus.record([bus.new(f"agent/{name}", StimulusPerceived(
            agent=name, kind="see", content=cmd.text, source="world"),
            world=bus.state.agents[name].world) for name in agents])
    _require_blob(bus, cmd.image)
    first = agents[0]
    stream = f"agent/{first}" if cmd.agents and len(agents) == 1 else f"world/{world}"
    call_id = f"{first}/see-{cmd.image.sha256[:12]}-{bus.state.agents[first].memory_total + 1}"
    step = bus.state.worlds[world].step if world in bus.state.worlds else None
    [outcome] = call_all(bus, [(first, prepare_llm(
        bus, first, describe_messages(cmd.image, cmd.text), None, call_id=call_id, step=step,  # type: ignore[arg-type]
        causation_id=None, purpose="vision", world=world))])
    batch = list(outcome.events)
    if outcome.error is not None:
        bus.record(batch)
        raise outcome.error
    description = next(e.event.response_text for e in batch if e.event.type == "LLMCallCompleted")
    cause = completion_id(batch)
    batch.append(bus.new(stream, ImageDescribed(image=cmd.image, agents=agents, caption=cmd.text,
                                                description=description), world=world, causation_id=cause))
    content = seen_text(cmd.text, description)
    batch += [bus.new(f"agent/{name}", StimulusPerceived(agent=name, kind="see", content=content, source="world"),
                      world=bus.state.agents[name].world, causation_id=cause) for name in agents]
    return bus.record(batch)


def _require_blob(bus: "MessageBus", image: ImageRef) -> None:
    """The image's blob is in the store the gateway reads (the run's, or in a replay the
    replayed run's), intact: a run never describes an image its log cannot show."""
    store = getattr(bus.gateway, "store", None)
    if store is None:
        return
    try:
        blob = store.get_blob(image.sha256)
    except CorruptBlobError as exc:
        raise SimulationError(f"see: {exc}") from None
    if blob is None:
        raise SimulationError(f"see: image {image.name or image.sha256[:12]} (blob {image.sha256[:12]}) is not in "
                              f"the event store {store.url}")


def see_command(spec: dict[str, Any], world: str) -> ShowImage:
    """The command of a ``see`` script line with an image or without ``to`` (pure)."""
    image = spec.get("image")
    if isinstance(image, str):
        raise SimulationError(f"see: image {image!r} was never loaded: load the scenario with load_scenario()")
    to = spec.get("to")
    return ShowImage(agents=(to,) if to else (), world=None if to else world, text=spec.get("text") or "",
                     image=ImageRef.model_validate(image) if image is not None else None)


def store_images(bus: "MessageBus", plan: Any) -> None:
    """Put the plan's images into the run's blob table (idempotent; a recorded plan has none)."""
    for media_type, data in (getattr(plan, "images", None) or {}).values():
        bus.store.put_blob(data, media_type)
