"""An example tool in 30 lines: roll dice, deterministically per call (docs/tools.md).

Use it from a scenario with ``tools: {custom: {dice: {module: dice_tool.py}}}``."""

import hashlib

from pydantic import BaseModel, Field

from troupe_es.tools import Tool


class RollDice(Tool):
    name = "roll_dice"
    description = "Roll some dice (e.g. to decide something by chance)."
    capabilities = frozenset({"compute"})

    class Arguments(BaseModel):
        count: int = Field(ge=1, le=10, description="How many dice.")
        sides: int = Field(ge=2, le=100, description="Sides per die.")

    class Result(BaseModel):
        rolls: list[int]
        total: int

    def run(self, args, ctx):
        seed = hashlib.sha256(ctx.call_id.encode()).digest()  # same call, same rolls
        rolls = [1 + seed[i] % args.sides for i in range(args.count)]
        return self.Result(rolls=rolls, total=sum(rolls))

    def examples(self, ctx):
        return [{"count": 2, "sides": 6}]


TOOLS = [RollDice]
