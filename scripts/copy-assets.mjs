// tsc emits JavaScript only; the Lua scripts travel next to the modules that load them.
import { cpSync } from 'node:fs';

cpSync('shared/adapters/redis/scripts', 'dist/shared/adapters/redis/scripts', { recursive: true });
