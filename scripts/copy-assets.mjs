// tsc emits JavaScript only; the Lua scripts travel next to the modules that load them.
import { cpSync } from 'node:fs';

cpSync('shared/redis/scripts', 'dist/shared/redis/scripts', { recursive: true });
