import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { studio } from './api';

function App() {
  return <p>Likeness ({studio.host})</p>;
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
