// Every actuator tool beyond time.now: files, shell, web and memory (issue #14). Their default
// policies follow their kind (see ToolKind); the registry in service.ts lists them.
import type { ToolDefinition } from '../toolDefinition.js';
import { filesListTool, filesReadTool, filesSearchTool } from './filesRead.js';
import { filesMoveTool, filesWriteTool } from './filesWrite.js';
import { memoryRecallTool, memoryRememberTool } from './memoryTools.js';
import { shellRunTool } from './shell.js';
import { webFetchTool } from './webFetch.js';

// each tool is typed by its own argument schema; the registry sees them all through the common shape
// (safe: the actuator parses arguments with the tool's own `args` before `run` sees them)
export const ACTUATOR_TOOLS: ToolDefinition[] = [
  filesListTool, filesReadTool, filesSearchTool, filesWriteTool, filesMoveTool,
  shellRunTool, webFetchTool, memoryRecallTool, memoryRememberTool,
] as unknown as ToolDefinition[];
