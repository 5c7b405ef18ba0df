/**
 * The proof-of-work solver's Web Worker. The build bundles it on its own and
 * inlines it into widget.js, which starts it from a Blob URL: the widget runs
 * on other sites' pages, and a worker script must be of the page's origin.
 */
import { solvePuzzle, type PuzzleTask, type SolverMessage } from './pow-solver.js';

interface WorkerScope {
  onmessage: ((event: MessageEvent<PuzzleTask>) => void) | null;
  postMessage(message: SolverMessage): void;
}

// The widget's tsconfig has the DOM's types, not a worker's: name the two members used here.
const scope = self as unknown as WorkerScope;

scope.onmessage = (event) => {
  void solvePuzzle(event.data, (tried) => scope.postMessage({ type: 'progress', tried })).then((solution) =>
    scope.postMessage(solution ? { type: 'solved', ...solution } : { type: 'exhausted' }),
  );
};
