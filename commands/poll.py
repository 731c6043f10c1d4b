"""``AskPoll``: every (or each named) agent picks one option with a reason; then a tally."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from troupe_es.commands.models import AskPoll
from troupe_es.commands.step import call_all, completion_id, prepare_llm
from troupe_es.commands.turn import active_capabilities, build_poll_messages
from troupe_es.errors import SimulationError
from troupe_es.events import PollAnswered, PollClosed

if TYPE_CHECKING:
    from troupe_es.events import Recorded
    from troupe_es.runtime import MessageBus


def poll_model(options: tuple[str, ...]) -> type[BaseModel]:
    """A structured-output model whose ``choice`` must be one of ``options``."""
    return create_model(
        "PollAnswer",
        __config__=ConfigDict(extra="forbid"),
        choice=(Literal[options], Field(description="Exactly one of the options.")),  # type: ignore[valid-type]
        reason=(str, Field(description="One or two sentences, in character.")),
    )


def tally(options: tuple[str, ...], choices: list[str]) -> tuple[dict[str, int], str | None]:
    """Votes per option (every option listed) and the winner (ties: the option listed first)."""
    counts = {option: 0 for option in options}
    for choice in choices:
        counts[choice] = counts.get(choice, 0) + 1
    winner = max(options, key=lambda o: (counts[o], -options.index(o))) if choices else None
    return counts, winner


def ask_poll(cmd: AskPoll, bus: "MessageBus") -> list["Recorded"]:
    """Ask the poll, record every answer and the tally; raises the first LLM error after recording."""
    bus.require_world(cmd.world)
    if len(cmd.options) < 2:
        raise SimulationError("a poll needs at least two options")
    world = bus.state.worlds[cmd.world]
    agents = list(cmd.agents) or list(world.members)
    for name in agents:
        bus.require_agent(name, where="poll: ")
    poll_id = f"poll-{bus.state.polls + 1}"
    model = poll_model(cmd.options)
    snapshot = bus.state

    def answer(agent: str):  # noqa: ANN202
        sections = [line for cap in active_capabilities(bus.capabilities, snapshot, agent)
                    for line in cap.section(snapshot, agent)]
        messages = build_poll_messages(snapshot, agent, question=cmd.question, options=cmd.options,
                                       persona_facts=bus.persona_facts(snapshot.agents[agent].persona),
                                       sections=sections)
        return agent, prepare_llm(bus, agent, messages, model, call_id=f"{agent}/{poll_id}", step=world.step,
                                  causation_id=None, purpose="poll", world=cmd.world)

    recorded: list[Recorded] = []
    choices: list[str] = []
    outcomes = call_all(bus, [answer(agent) for agent in agents])
    for outcome in outcomes:
        batch = list(outcome.events)
        if outcome.output is not None:
            choices.append(outcome.output.choice)
            batch.append(bus.new(f"agent/{outcome.agent}", PollAnswered(
                poll=poll_id, agent=outcome.agent, question=cmd.question, choice=outcome.output.choice,
                reason=outcome.output.reason), world=cmd.world, causation_id=completion_id(outcome.events)))
        recorded += bus.record(batch)
    failure = next((o.error for o in outcomes if o.error is not None), None)
    if failure is not None:
        raise failure
    counts, winner = tally(cmd.options, choices)
    recorded += bus.record([bus.new(f"world/{cmd.world}", PollClosed(
        poll=poll_id, question=cmd.question, options=list(cmd.options), tally=counts, winner=winner),
        world=cmd.world)])
    return recorded
