"""The email tools: send, reply, list and read. Mailboxes are a projection of the log
(:class:`troupe_es.domain.tools.ToolsState`); delivery is a stimulus to the recipient."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from troupe_es.errors import ToolError
from troupe_es.tools.base import Args, Tool, ToolContext


def message_id(call_id: str) -> str:
    """The id of the message a call sends (deterministic: derived from the call id)."""
    return f"mail:{call_id}"


class Sent(Args):
    message_id: str
    delivered_to: str


class SendArgs(Args):
    to: str = Field(description="The recipient: a person in your world.")
    subject: str = Field(max_length=200)
    body: str = Field(max_length=4000)


class EmailSend(Tool):
    name = "email_send"
    description = "Send an email to a person in your world; they read it before their next turn."
    capabilities = frozenset({"mailbox"})
    inline = True
    Arguments = SendArgs
    Result = Sent

    def run(self, args: SendArgs, ctx: ToolContext) -> Sent:
        if args.to == ctx.agent:
            raise ToolError("you cannot email yourself")
        if args.to not in ctx.members():
            raise ToolError(f"no one called {args.to!r} in your world (known: {', '.join(ctx.members())})")
        return Sent(message_id=message_id(ctx.call_id), delivered_to=args.to)

    def deliveries(self, args: SendArgs, result: Sent, ctx: ToolContext) -> list[tuple[str, str, str]]:
        return [(result.delivered_to, f"Email {result.message_id} from {ctx.agent}, subject {args.subject!r}: "
                                      f"{args.body}", f"email from {ctx.agent}")]

    def perceive(self, args: SendArgs, result: Sent) -> str:
        return f"Your email {args.subject!r} was delivered to {result.delivered_to} ({result.message_id})."

    def examples(self, ctx: ToolContext) -> list[dict[str, Any]]:
        agent = ctx.state.agents[ctx.agent]
        topic = agent.attention or (agent.goals[0] if agent.goals else "our discussion")
        return [{"to": who, "subject": f"About {topic}"[:200], "body": f"Hi {who}, what is your view on {topic}?"}
                for who in ctx.reachable()[:3]]


class ReplyArgs(Args):
    message_id: str = Field(description="The email you answer (its id, from your inbox).")
    body: str = Field(max_length=4000)


class EmailReply(Tool):
    name = "email_reply"
    description = "Reply to an email in your inbox; the reply goes to its sender."
    capabilities = frozenset({"mailbox"})
    inline = True
    Arguments = ReplyArgs
    Result = Sent

    def run(self, args: ReplyArgs, ctx: ToolContext) -> Sent:
        original = ctx.tools.message(args.message_id)
        if original is None or original.to != ctx.agent:
            raise ToolError(f"no email {args.message_id!r} in your inbox")
        return Sent(message_id=message_id(ctx.call_id), delivered_to=original.sender)

    def deliveries(self, args: ReplyArgs, result: Sent, ctx: ToolContext) -> list[tuple[str, str, str]]:
        return [(result.delivered_to, f"Email {result.message_id} from {ctx.agent}, replying to "
                                      f"{args.message_id}: {args.body}", f"email from {ctx.agent}")]

    def perceive(self, args: ReplyArgs, result: Sent) -> str:
        return f"Your reply to {args.message_id} was delivered to {result.delivered_to}."

    def examples(self, ctx: ToolContext) -> list[dict[str, Any]]:
        return [{"message_id": m.message_id, "body": f"Thanks {m.sender}, good point about {m.subject[:60]}."}
                for m in ctx.tools.inbox(ctx.agent)[-3:]]


class Summary(Args):
    message_id: str
    sender: str
    to: str
    subject: str
    sim_time: str | None
    read: bool


class ListArgs(Args):
    folder: Literal["inbox", "sent"] = Field(description="inbox (received) or sent.")
    unread_only: bool = Field(description="Only emails you have not read (inbox).")


class Listing(Args):
    messages: list[Summary]


class EmailList(Tool):
    name = "email_list"
    description = "List the emails in your inbox or sent folder (newest last)."
    capabilities = frozenset({"mailbox"})
    inline = True
    Arguments = ListArgs
    Result = Listing

    def run(self, args: ListArgs, ctx: ToolContext) -> Listing:
        t = ctx.tools
        box = t.inbox(ctx.agent) if args.folder == "inbox" else t.sent(ctx.agent)
        out = [Summary(message_id=m.message_id, sender=m.sender, to=m.to, subject=m.subject, sim_time=m.sim_time,
                       read=t.is_read(ctx.agent, m.message_id) or m.sender == ctx.agent) for m in box]
        if args.unread_only:
            out = [s for s in out if not s.read]
        return Listing(messages=out[-20:])

    def examples(self, ctx: ToolContext) -> list[dict[str, Any]]:
        return [{"folder": "inbox", "unread_only": True}]


class ReadArgs(Args):
    message_id: str


class Mail(Args):
    message_id: str
    sender: str
    to: str
    subject: str
    body: str
    sim_time: str | None
    reply_to: str | None


class EmailRead(Tool):
    name = "email_read"
    description = "Read one email of your inbox or sent folder by its id."
    capabilities = frozenset({"mailbox"})
    inline = True
    Arguments = ReadArgs
    Result = Mail

    def run(self, args: ReadArgs, ctx: ToolContext) -> Mail:
        m = ctx.tools.message(args.message_id)
        if m is None or ctx.agent not in (m.to, m.sender):
            raise ToolError(f"no email {args.message_id!r} in your mailbox")
        return Mail(message_id=m.message_id, sender=m.sender, to=m.to, subject=m.subject, body=m.body,
                    sim_time=m.sim_time, reply_to=m.reply_to)

    def perceive(self, args: ReadArgs, result: Mail) -> str:
        return f"Email {result.message_id} from {result.sender}, subject {result.subject!r}: {result.body}"

    def examples(self, ctx: ToolContext) -> list[dict[str, Any]]:
        t = ctx.tools
        return [{"message_id": m.message_id} for m in t.inbox(ctx.agent) if not t.is_read(ctx.agent, m.message_id)][-3:]


EMAIL_TOOLS = (EmailSend, EmailReply, EmailList, EmailRead)
