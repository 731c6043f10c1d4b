"""The typed tool ecosystem (kernel): the :class:`Tool` interface, the registry, the core tools
(email, web search, database, calendar, word processor), chains and the executor.

Tools are a port: the composition root registers them (``bootstrap``); the tools capability
(``troupe_es.commands.tools``) adds one typed call per tool to an agent's turn, records
``ToolInvoked`` and runs the calls at the I/O edge, recording ``ToolReturned``.
"""

from troupe_es.tools.base import CAPABILITIES, Args, Tool, ToolContext
from troupe_es.tools.chain import Chain, ChainStep, chain, step
from troupe_es.tools.registry import ToolRegistry, core_registry

__all__ = ["Args", "CAPABILITIES", "Chain", "ChainStep", "Tool", "ToolContext", "ToolRegistry", "chain",
           "core_registry", "step"]
