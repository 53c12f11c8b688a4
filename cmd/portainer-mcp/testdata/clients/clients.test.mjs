// Real MCP clients against the portainer-mcp binary (PORTAINER_MCP_BIN) in demo mode: the
// official TypeScript SDK on stdio and on streamable HTTP, the MCP Inspector CLI, and the MCP
// conformance suite. Run by `make test-clients` with Node 22 from node_modules.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema, LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js";

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const bin = process.env.PORTAINER_MCP_BIN;
assert.ok(bin, "set PORTAINER_MCP_BIN to the portainer-mcp binary");
const node = process.execPath;
const pkgBin = (pkg, file) => join(here, "node_modules", pkg, file);

// startHTTP runs the binary in demo mode on a free loopback port and resolves its MCP URL.
function startHTTP(...extra) {
  const state = mkdtempSync(join(tmpdir(), "pmcp-"));
  const proc = spawn(bin, ["--demo", "--http", "127.0.0.1:0", ...extra], {
    env: { ...process.env, PORTAINER_MCP_STATE_DIR: state },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the server did not start:\n" + log)), 15000);
    proc.stderr.on("data", (d) => {
      log += d;
      const m = /url=(http:\/\/\S+\/mcp)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], proc, log: () => log });
      }
    });
    proc.on("exit", (code) => reject(new Error(`the server exited (${code}):\n${log}`)));
  });
}

// Arguments for every read-only tool on the demo data; a tool missing here fails the test,
// so a new read-only tool gets a real call.
async function readOnlyArgs(client) {
  const sources = await client.callTool({ name: "list_gitops_sources", arguments: {} });
  const sourceId = sources.structuredContent?.sources?.[0]?.id;
  assert.ok(sourceId, "the demo has a GitOps Source: " + JSON.stringify(sources.structuredContent));
  return {
    get_portainer_info: {},
    list_environments: {},
    get_environment: { environment_id: 1 },
    list_stacks: {},
    get_stack: { stack_id: 1 },
    get_stack_file: { stack_id: 1 },
    get_stack_status: { stack_id: 1 },
    get_stack_logs: { stack_id: 1, tail: 20 },
    list_gitops_stacks: {},
    get_stack_gitops: { stack_id: 2 },
    list_gitops_sources: {},
    get_gitops_source: { source_id: sourceId },
    validate_git_repository: { repository_url: "https://git.example.com/acme/demo.git" },
  };
}

const compose = "services:\n  web:\n    image: nginx:1.27\n";

// sdkScenario is what an assistant does through the official SDK, on one transport.
function sdkScenario(name, connect) {
  describe(`TypeScript SDK over ${name}`, () => {
    let client, transport, closeServer;
    const asked = [];
    let answer = { action: "accept", content: { confirm: true } };
    const messages = [];

    before(async () => {
      ({ transport, close: closeServer } = await connect());
      client = new Client({ name: "sdk-test", version: "1.0.0" }, { capabilities: { elicitation: {} } });
      client.setRequestHandler(ElicitRequestSchema, async (req) => {
        asked.push(req.params.message);
        return answer;
      });
      client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => messages.push(n.params));
      await client.connect(transport);
    });
    after(async () => {
      await client?.close();
      await closeServer?.();
    });

    test("lists tools, resources, templates and prompts", async () => {
      const tools = await client.listTools();
      assert.ok(tools.tools.length >= 20, `only ${tools.tools.length} tools`);
      for (const t of tools.tools) assert.ok(t.annotations && t.inputSchema, t.name);
      const templates = await client.listResourceTemplates();
      assert.deepEqual(templates.resourceTemplates.map((t) => t.uriTemplate).sort(),
        ["portainer://stacks/{id}", "portainer://stacks/{id}/compose"]);
      const prompts = await client.listPrompts();
      assert.deepEqual(prompts.prompts.map((p) => p.name).sort(),
        ["deploy_from_git", "put_stack_under_gitops", "why_is_my_stack_unhealthy"]);
      await client.listResources();
    });

    test("every read-only tool answers, and its structured content matches its output schema", async () => {
      const tools = (await client.listTools()).tools.filter((t) => t.annotations?.readOnlyHint);
      const args = await readOnlyArgs(client);
      for (const t of tools) {
        assert.ok(args[t.name], `no test arguments for the read-only tool ${t.name}`);
        // The SDK checks structuredContent against outputSchema and throws when it does not match.
        const res = await client.callTool({ name: t.name, arguments: args[t.name] });
        assert.ok(!res.isError, `${t.name}: ${res.content?.[0]?.text}`);
        assert.ok(res.structuredContent, `${t.name}: no structured content`);
      }
    });

    test("a write scenario: create with progress, update, stop, start, delete after asking", async () => {
      await client.setLoggingLevel("info");
      const stack = `sdk-${name.replace(/\W/g, "").toLowerCase()}`;
      const progress = [];
      const made = await client.callTool({ name: "create_stack", arguments: { environment_id: 1, name: stack, compose } },
        undefined, { onprogress: (p) => progress.push(p), timeout: 60000 });
      assert.ok(!made.isError, made.content?.[0]?.text);
      const id = made.structuredContent.id;
      assert.ok(id, JSON.stringify(made.structuredContent));
      assert.ok(progress.length > 0, "no progress notification while the deploy ran");
      assert.ok(messages.some((m) => String(m.data).includes("POST /api/stacks/create")), "no log message for the create: " + JSON.stringify(messages));
      const updated = await client.callTool({ name: "update_stack", arguments: { stack_id: id, env: [{ name: "MODE", value: "demo" }] } }, undefined, { timeout: 60000 });
      assert.ok(!updated.isError, updated.content?.[0]?.text);
      for (const tool of ["stop_stack", "start_stack"]) {
        const res = await client.callTool({ name: tool, arguments: { stack_id: id } }, undefined, { timeout: 60000 });
        assert.ok(!res.isError, `${tool}: ${res.content?.[0]?.text}`);
      }
      answer = { action: "decline" };
      const declined = await client.callTool({ name: "delete_stack", arguments: { stack_id: id } });
      assert.ok(declined.isError && /declined/.test(declined.content[0].text), JSON.stringify(declined));
      answer = { action: "accept", content: { confirm: true } };
      const deleted = await client.callTool({ name: "delete_stack", arguments: { stack_id: id } });
      assert.ok(!deleted.isError, deleted.content?.[0]?.text);
      assert.equal(asked.length, 2);
      assert.match(asked[1], new RegExp(`Delete stack ${stack}`));
      const gone = await client.callTool({ name: "get_stack", arguments: { stack_id: id } });
      assert.ok(gone.isError, "the stack is still there");
    });

    test("a cancelled call gets no answer, and the connection goes on", async () => {
      const ctl = new AbortController();
      const pending = client.callTool({ name: "create_stack", arguments: { environment_id: 1, name: `cancel-${name.replace(/\W/g, "").toLowerCase()}`, compose } },
        undefined, { signal: ctl.signal, timeout: 60000 });
      setTimeout(() => ctl.abort("the user pressed stop"), 500);
      await assert.rejects(pending);
      const list = await client.callTool({ name: "list_stacks", arguments: {} });
      assert.ok(!list.isError);
    });

    test("resources by id and by name, with completion", async () => {
      const stack = await client.readResource({ uri: "portainer://stacks/1" });
      assert.match(stack.contents[0].text, /"name":"web"/);
      const file = await client.readResource({ uri: "portainer://stacks/web/compose" });
      assert.match(file.contents[0].text, /image:/);
      const done = await client.complete({ ref: { type: "ref/resource", uri: "portainer://stacks/{id}" }, argument: { name: "id", value: "we" } });
      assert.ok(done.completion.values.includes("web"), JSON.stringify(done));
    });

    test("prompts with their arguments", async () => {
      const p = await client.getPrompt({ name: "why_is_my_stack_unhealthy", arguments: { stack: "web" } });
      assert.match(p.messages[0].content.text, /stack web/);
      const d = await client.getPrompt({ name: "deploy_from_git", arguments: { repository_url: "https://git.example.com/acme/demo.git" } });
      assert.match(d.messages[0].content.text, /create_stack_from_git/);
      const c = await client.complete({ ref: { type: "ref/prompt", name: "why_is_my_stack_unhealthy" }, argument: { name: "stack", value: "mon" } });
      assert.deepEqual(c.completion.values, ["monitoring"]);
    });
  });
}

sdkScenario("stdio", async () => {
  const state = mkdtempSync(join(tmpdir(), "pmcp-"));
  return { transport: new StdioClientTransport({ command: bin, args: ["--demo"], env: { ...process.env, PORTAINER_MCP_STATE_DIR: state }, stderr: "ignore" }) };
});

sdkScenario("streamable HTTP", async () => {
  const srv = await startHTTP();
  return { transport: new StreamableHTTPClientTransport(new URL(srv.url)), close: async () => srv.proc.kill("SIGTERM") };
});

describe("MCP Inspector CLI", () => {
  let srv;
  before(async () => { srv = await startHTTP(); });
  after(() => srv.proc.kill("SIGTERM"));
  const inspector = (...args) => run(node, [pkgBin("@modelcontextprotocol/inspector", "clients/launcher/build/index.js"), "--cli", ...args],
    { timeout: 60000, env: { ...process.env, HOME: mkdtempSync(join(tmpdir(), "insp-")) } });

  for (const [name, target] of [["HTTP", () => [srv.url, "--transport", "http"]], ["stdio", () => [bin, "--demo"]]]) {
    test(`tools/list and tools/call over ${name}`, async () => {
      const list = JSON.parse((await inspector(...target(), "--method", "tools/list")).stdout);
      assert.ok(list.tools.some((t) => t.name === "list_stacks"), JSON.stringify(list).slice(0, 300));
      const call = JSON.parse((await inspector(...target(), "--method", "tools/call", "--tool-name", "get_stack", "--tool-arg", "stack_id=1")).stdout);
      assert.ok(!call.isError, JSON.stringify(call));
      assert.equal(call.structuredContent.name, "web");
    });
  }
});

describe("MCP conformance suite", () => {
  let srv;
  before(async () => { srv = await startHTTP("--http-rate", "0"); });
  after(() => srv.proc.kill("SIGTERM"));

  test("every scenario that applies to an application server passes", { timeout: 300000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), "conformance-"));
    let result;
    try {
      result = await run(node, [pkgBin("@modelcontextprotocol/conformance", "dist/index.js"), "server", "--url", srv.url,
        "--expected-failures", join(here, "conformance-not-applicable.yml"), "-o", out], { timeout: 280000, maxBuffer: 16 << 20 });
    } catch (e) {
      assert.fail(`conformance failed:\n${e.stdout}\n${e.stderr}`);
    }
    const summary = result.stdout.slice(result.stdout.indexOf("=== SUMMARY ==="));
    console.log(summary);
    // The applicable scenarios ran and passed (not merely listed as expected failures).
    for (const s of ["server-initialize", "logging-set-level", "ping", "completion-complete", "tools-list",
      "server-sse-multiple-streams", "resources-list", "prompts-list", "dns-rebinding-protection"]) {
      assert.match(summary, new RegExp(`✓ ${s}: \\d+ passed, 0 failed`), s);
    }
    assert.ok(readdirSync(out).length > 0);
  });
});
