"""Events: the immutable facts a simulation is made of.

``AnyEvent`` is the discriminated union of every registered event class and ``EVENT_ADAPTER``
its one module-level ``TypeAdapter``. Import event classes from here.
"""

from __future__ import annotations

from typing import Annotated, Union

from pydantic import Field, TypeAdapter

from troupe_es.events.agent import (
    ActionTaken,
    CognitiveStateChanged,
    PersonaDefined,
    StimulusPerceived,
)
from troupe_es.events.base import Event, UtcDatetime, event_class, event_classes, volatile
from troupe_es.events.canonical import canonical_json, content_hash, iso_utc, sha256_hex
from troupe_es.events.classroom import (
    ClassActionRefused,
    ClassroomOpened,
    FloorGranted,
    FloorYielded,
    HandRaised,
    LessonSegmentStarted,
    QuestionAnswered,
    QuestionAsked,
    RemarkMade,
)
from troupe_es.events.codec import decode_event
from troupe_es.events.documents import DocumentChunkIngested, GroundingChanged
from troupe_es.events.emotions import EmotionChanged
from troupe_es.events.envelope import NewEvent, Recorded
from troupe_es.events.knowledge import Fact, FactsExtracted
from troupe_es.events.llm import (
    CacheEntryRejected,
    LLMAttempt,
    LLMCallCompleted,
    LLMCallFailed,
    LLMCallRequested,
)
from troupe_es.events.market import (
    GoodsEndowed,
    MarketOpened,
    OrderCancelled,
    OrderPlaced,
    OrderRejected,
    OrderSubmitted,
    PaymentMade,
    PriceChanged,
    TradeExecuted,
)
from troupe_es.events.memory import (
    MemoriesRecalled,
    MemoryConsolidated,
    MemoryForgotten,
    MemoryPressureWarned,
    MemoryStored,
    ReflectionSynthesized,
)
from troupe_es.events.run import (
    BudgetExceeded,
    CommandIssued,
    RunCompleted,
    RunFailed,
    RunInterrupted,
    RunResumed,
    RunStarted,
    StepCompleted,
    StepStarted,
)
from troupe_es.events.tools import ToolInvoked, ToolReturned
from troupe_es.events.schedule import (
    ClockJumped,
    EventScheduled,
    ScheduleCancelled,
    ScheduledEventFired,
    ScheduledEventMissed,
)
from troupe_es.events.space import AgentLooked, AgentMoved, AgentPlaced, MapLoaded, MoveRejected, TravelStarted
from troupe_es.events.retail import (
    CheckoutStarted,
    MoveBlocked,
    ProductNoticed,
    ProductPicked,
    PurchaseCompleted,
    ShopperEntered,
    ShoppingRejected,
    StoreOpened,
)
from troupe_es.events.upcasting import upcast, upcaster
from troupe_es.events.vision import ImageDescribed, ImageRef
from troupe_es.events.workplace import (
    DeadlineMissed,
    MeetingStarted,
    TaskAssigned,
    TaskCompleted,
    WorkplaceDefined,
)
from troupe_es.events.world import (
    AccessibilityChanged,
    AgentJoinedWorld,
    InterventionApplied,
    PersonaChanged,
    PollAnswered,
    PollClosed,
    RandomDrawn,
    RelationChanged,
    RepetitionSuppressed,
    ScriptStepStarted,
    WorldCreated,
)


def _build_union():  # noqa: ANN202 - the union type is dynamic by design
    classes = tuple(event_classes().values())
    return Annotated[Union[classes], Field(discriminator="type")]  # noqa: UP007


AnyEvent = _build_union()


def __getattr__(name: str):  # noqa: ANN202 - the adapter is built on first use, not at import
    if name == "EVENT_ADAPTER":
        adapter = TypeAdapter(AnyEvent)
        globals()["EVENT_ADAPTER"] = adapter
        return adapter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "ImageDescribed",
    "ImageRef",
    "AccessibilityChanged", "AgentJoinedWorld", "InterventionApplied", "PersonaChanged", "PollAnswered",
    "PollClosed", "RandomDrawn", "ScriptStepStarted", "RelationChanged", "RepetitionSuppressed", "WorldCreated",
    "ActionTaken", "AnyEvent", "BudgetExceeded", "CacheEntryRejected", "CognitiveStateChanged", "CommandIssued",
    "EVENT_ADAPTER", "EmotionChanged", "Event",
    "MemoriesRecalled", "MemoryConsolidated", "MemoryForgotten", "MemoryPressureWarned", "MemoryStored",
    "ReflectionSynthesized",
    "DocumentChunkIngested", "GroundingChanged",
    "Fact", "FactsExtracted",
    "LLMAttempt", "LLMCallCompleted", "LLMCallFailed", "LLMCallRequested", "NewEvent",
    "PersonaDefined", "Recorded", "RunCompleted", "RunFailed", "RunInterrupted", "RunResumed", "RunStarted", "StepCompleted",
    "StepStarted", "StimulusPerceived", "UtcDatetime", "canonical_json", "content_hash",
    "decode_event", "event_class", "event_classes", "iso_utc", "sha256_hex", "upcast", "upcaster",
    "volatile",
    "GoodsEndowed", "MarketOpened", "OrderCancelled", "OrderPlaced", "OrderRejected", "OrderSubmitted",
    "PaymentMade", "PriceChanged", "TradeExecuted",
    "ClockJumped", "EventScheduled", "ScheduleCancelled", "ScheduledEventFired", "ScheduledEventMissed",
    "AgentLooked", "AgentMoved", "AgentPlaced", "MapLoaded", "MoveRejected", "TravelStarted",
    "ClassActionRefused", "ClassroomOpened", "FloorGranted", "FloorYielded", "HandRaised", "LessonSegmentStarted",
    "QuestionAnswered", "QuestionAsked", "RemarkMade",
    "DeadlineMissed", "MeetingStarted", "TaskAssigned", "TaskCompleted", "WorkplaceDefined",
    "CheckoutStarted", "MoveBlocked", "ProductNoticed", "ProductPicked", "PurchaseCompleted", "ShopperEntered", "ShoppingRejected",
    "StoreOpened",
]
__all__ += ["ToolInvoked", "ToolReturned"]
