"""The word processor: documents agents write (title, content, revisions), folded from the log
and exported as Markdown with ``troupe-es export RUN --documents DIR``."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from troupe_es.errors import ToolError
from troupe_es.tools.base import Args, Tool, ToolContext


class Saved(Args):
    document_id: str
    revision: int = Field(description="1 for a new document, then 2, 3, ...")


class WriteArgs(Args):
    document_title: str = Field(min_length=1, max_length=200)
    content: str = Field(min_length=1, max_length=20_000, description="The document's text (Markdown).")


class DocumentWrite(Tool):
    name = "document_write"
    description = "Write a new document (a report, notes, a memo) with a title and Markdown content."
    capabilities = frozenset({"documents"})
    inline = True
    Arguments = WriteArgs
    Result = Saved

    def run(self, args: WriteArgs, ctx: ToolContext) -> Saved:
        return Saved(document_id=f"doc:{ctx.call_id}", revision=1)

    def perceive(self, args: WriteArgs, result: Saved) -> str:
        return f"You saved the document {args.document_title!r} ({result.document_id})."

    def examples(self, ctx: ToolContext) -> list[dict[str, Any]]:
        agent = ctx.state.agents[ctx.agent]
        recent = [m.text for m in agent.memory[-4:]]
        body = "\n".join(f"- {t}" for t in recent) or f"- {agent.attention or 'first thoughts'}"
        return [{"document_title": f"{ctx.agent}'s notes", "content": f"# Notes\n\n{body}"[:20_000]}]


class ReviseArgs(Args):
    document_id: str
    content: str = Field(min_length=1, max_length=20_000, description="The new full text.")


class DocumentRevise(Tool):
    name = "document_revise"
    description = "Replace the content of a document you wrote with a new revision."
    capabilities = frozenset({"documents"})
    inline = True
    Arguments = ReviseArgs
    Result = Saved

    def run(self, args: ReviseArgs, ctx: ToolContext) -> Saved:
        doc = ctx.tools.document(args.document_id)
        if doc is None or doc.author != ctx.agent:
            raise ToolError(f"you have no document {args.document_id!r}")
        return Saved(document_id=doc.document_id, revision=len(doc.revisions) + 1)

    def examples(self, ctx: ToolContext) -> list[dict[str, Any]]:
        return [{"document_id": d.document_id, "content": d.revisions[-1] + "\n\nUpdated after discussion."}
                for d in ctx.tools.documents if d.author == ctx.agent][-2:]


class DocInfo(Args):
    document_id: str
    document_title: str
    revisions: int


class ListArgs(Args):
    mine_only: bool = Field(description="Only documents you wrote.")


class DocList(Args):
    documents: list[DocInfo]


class DocumentList(Tool):
    name = "document_list"
    description = "List the documents written in this run."
    capabilities = frozenset({"documents"})
    inline = True
    Arguments = ListArgs
    Result = DocList

    def run(self, args: ListArgs, ctx: ToolContext) -> DocList:
        docs = [d for d in ctx.tools.documents if not args.mine_only or d.author == ctx.agent]
        return DocList(documents=[DocInfo(document_id=d.document_id, document_title=d.title,
                                          revisions=len(d.revisions)) for d in docs][-20:])

    def examples(self, ctx: ToolContext) -> list[dict[str, Any]]:
        return [{"mine_only": False}]


WORD_PROCESSOR_TOOLS = (DocumentWrite, DocumentRevise, DocumentList)


