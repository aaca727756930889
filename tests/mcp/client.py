"""A real MCP client (the official Python SDK, `pip install mcp`) driving
`blastwall mcp` over stdio: lists the tools and calls each one.

Usage: python client.py BLASTWALL_BINARY PLAN_JSON
Prints one JSON object with what the client saw; exits non-zero on failure.
"""

import asyncio
import json
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


async def main(binary: str, plan: str) -> None:
    server = StdioServerParameters(command=binary, args=["mcp"], env={"PATH": "/usr/bin:/bin"})
    async with stdio_client(server) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            tools = await session.list_tools()
            checked = await session.call_tool("check_plan", {"path": plan})
            inline = await session.call_tool("check_plan", {"plan_json": open(plan, encoding="utf-8").read()})
            human = await session.call_tool("check_plan", {"path": plan, "profile": "human"})
            explained = await session.call_tool("explain_rule", {"id": "data-loss"})
            reached = await session.call_tool("blast_radius", {"path": plan, "address": "aws_db_instance.orders"})
            broken = await session.call_tool("check_plan", {"plan_json": "{\"format_version\": \"1.2\", \"resource_changes\": ["})
            report = json.loads(checked.content[1].text)
            print(json.dumps({
                "server": init.server_info.name,
                "instructions": init.instructions,
                "tools": sorted(tool.name for tool in tools.tools),
                "descriptions": {tool.name: tool.description for tool in tools.tools},
                "verdict_text": checked.content[0].text,
                "verdict": report["verdict"],
                "profile": report["profile"],
                "inline_verdict": json.loads(inline.content[1].text)["verdict"],
                "human_refused": human.is_error,
                "human_text": human.content[0].text,
                "explain": explained.content[0].text.splitlines()[0],
                "blast_radius": reached.content[0].text,
                "broken_is_error": broken.is_error,
                "broken_text": broken.content[0].text.splitlines()[0],
            }, indent=1))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
