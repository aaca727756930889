"""A real MCP client (the official Python SDK, `pip install mcp`) driving
`blastwall mcp` over stdio: lists the tools and calls each one.

Usage: python client.py BLASTWALL_BINARY PLAN_JSON [LARGE_PLAN_JSON]
Prints one JSON object with what the client saw; exits non-zero on failure.
The SDK validates every structuredContent against the tool's outputSchema.
"""

import asyncio
import json
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


def size(result) -> int:
    """Bytes of the tool result as it travels (JSON)."""
    return len(result.model_dump_json(by_alias=True, exclude_none=True).encode("utf-8"))


def annotations(tool) -> dict:
    hints = tool.annotations
    if hints is None:
        return {}
    return {
        "readOnlyHint": hints.read_only_hint,
        "destructiveHint": hints.destructive_hint,
        "idempotentHint": hints.idempotent_hint,
        "openWorldHint": hints.open_world_hint,
    }


async def main(binary: str, plan: str, large: str | None) -> None:
    server = StdioServerParameters(command=binary, args=["mcp"], env={"PATH": "/usr/bin:/bin"})
    async with stdio_client(server) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            tools = await session.list_tools()
            checked = await session.call_tool("check_plan", {"path": plan})
            inline = await session.call_tool("check_plan", {"plan_json": open(plan, encoding="utf-8").read()})
            human = await session.call_tool("check_plan", {"path": plan, "profile": "human"})
            human_page = await session.call_tool("findings", {"path": plan, "profile": "human"})
            explained = await session.call_tool("explain_rule", {"id": "data-loss"})
            reached = await session.call_tool("blast_radius", {"path": plan, "address": "aws_db_instance.orders"})
            broken = await session.call_tool("check_plan", {"plan_json": "{\"format_version\": \"1.2\", \"resource_changes\": ["})
            answer = checked.structured_content
            seen = {
                "server": init.server_info.name,
                "instructions": init.instructions,
                "tools": sorted(tool.name for tool in tools.tools),
                "descriptions": {tool.name: tool.description for tool in tools.tools},
                "annotations": {tool.name: annotations(tool) for tool in tools.tools},
                "output_schemas": sorted(tool.name for tool in tools.tools if tool.output_schema),
                "verdict_text": checked.content[0].text,
                "verdict": answer["verdict"],
                "profile": answer["profile"],
                "answer": answer,
                "bytes": size(checked),
                "inline_verdict": inline.structured_content["verdict"],
                "inline_label": inline.structured_content["plans"][0]["label"],
                "inline_text": inline.content[0].text,
                "human_refused": human.is_error,
                "human_text": human.content[0].text,
                "human_page_refused": human_page.is_error,
                "explain": explained.content[0].text.splitlines()[0],
                "blast_radius": reached.content[0].text,
                "blast_answer": reached.structured_content,
                "broken_is_error": broken.is_error,
                "broken_text": broken.content[0].text,
            }
            if large:
                big = await session.call_tool("check_plan", {"path": large})
                page = await session.call_tool("findings", {"path": large, "offset": 10, "limit": 10})
                last = await session.call_tool("findings", {"path": large, "offset": 10_000})
                address = big.structured_content["findings"]["items"][0]["address"]
                radius = await session.call_tool("blast_radius", {"path": large, "address": address, "limit": 5})
                seen["large"] = {
                    "bytes": size(big),
                    "is_error": big.is_error,
                    "counts": big.structured_content["counts"],
                    "findings": big.structured_content["findings"],
                    "text": big.content[0].text,
                    "page_bytes": size(page),
                    "page": page.structured_content["findings"],
                    "last_page": last.structured_content["findings"],
                    "radius_bytes": size(radius),
                    "radius": radius.structured_content,
                }
            print(json.dumps(seen, indent=1))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None))
