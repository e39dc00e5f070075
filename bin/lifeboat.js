#!/usr/bin/env node
// The lifeboat command. Needs Node 22.18+ (TypeScript sources run through Node's type stripping).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(`lifeboat: needs Node 22.18 or newer, found ${process.versions.node}. Inside the project, "npx lifeboat" uses the Node 24 that "npm install" provides.\n`);
  process.exit(1);
}
const { main } = await import('../src-main/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
