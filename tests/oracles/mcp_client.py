"""Taskward's MCP server driven by the official Python MCP SDK (`mcp`), issue 19.

    mcp_client.py URL TOKEN [readonly]

Connects over Streamable HTTP with the token as the bearer, lists the tools, and calls
each one: list_lists, add_task (fields, then quick-add text), get_task, update_task,
complete_task, list_tasks, delete_task, and a call with an unknown id. Prints one JSON
object: the tool names, their input schemas' properties, and each call's structured
content and error flag. With `readonly`: only list_tasks and an add_task (which a
`tasks:read` token must be refused).
"""

import asyncio
import json
import sys

from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client


async def main(url, token, mode):
    out = {"calls": {}}
    headers = {"Authorization": f"Bearer {token}"}
    client = create_mcp_http_client(headers=headers)
    async with client, streamable_http_client(url, http_client=client) as streams:
        read, write = streams[0], streams[1]
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            out["server"] = init.server_info.name
            out["protocol"] = init.protocol_version
            tools = await session.list_tools()
            out["tools"] = {
                t.name: {
                    "input": sorted((t.input_schema or {}).get("properties", {}).keys()),
                    "output": t.output_schema is not None,
                }
                for t in tools.tools
            }

            async def call(label, name, args):
                r = await session.call_tool(name, args)
                text = " ".join(c.text for c in r.content if getattr(c, "type", "") == "text")
                out["calls"][label] = {
                    "error": bool(r.is_error),
                    "structured": r.structured_content,
                    "text": text,
                }
                return r.structured_content

            if mode == "readonly":
                await call("list", "list_tasks", {})
                await call("add", "add_task", {"title": "Not allowed"})
                print(json.dumps(out))
                return
            await call("lists", "list_lists", {})
            made = await call("add", "add_task", {
                "title": "Water the plants", "priority": "high",
                "due_date": "2027-01-04", "tags": ["home"],
            })
            await call("quick", "add_task", {"text": "Pay rent every month on the 1st #home"})
            tid = made["task"]["id"] if made else "none"
            await call("get", "get_task", {"id": tid})
            await call("update", "update_task", {"id": tid, "title": "Water the plants twice"})
            await call("complete", "complete_task", {"id": tid})
            await call("list", "list_tasks", {"status": "pending", "sort": "title"})
            await call("delete", "delete_task", {"id": tid})
            await call("missing", "get_task", {"id": tid})
            await call("invalid", "add_task", {"title": ""})
    print(json.dumps(out))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "all"))
