// The UI's entry point: pick the transport (Electron IPC or the dashboard's HTTP) and render the app.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { pickApi } from './api/pick-api.ts';
import { App } from './app/app.tsx';
import './app.css';

const picked = pickApi();
const root = createRoot(document.getElementById('root')!);
root.render(
  <StrictMode>
    {picked.api ? (
      <App api={picked.api} />
    ) : (
      <main className="screen" id="main">
        <h1>Lifeboat</h1>
        <div className="message level-warning" role="alert"><p>{picked.problem}</p></div>
      </main>
    )}
  </StrictMode>,
);
