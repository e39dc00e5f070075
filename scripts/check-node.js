// Fails early, with a clear message, when the tests run on a Node older than the project needs.
// `npm test` and `npm start` put node_modules/.bin first on PATH, where the `node` package provides Node 24.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(`lifeboat needs Node 22.18 or newer (found ${process.versions.node}). Run "npm install" first: it provides Node 24 in node_modules/.bin.`);
  process.exit(1);
}
