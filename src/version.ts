/** The tool's version, kept equal to `version` in package.json (a test checks it). */
export const TOOL_VERSION = '0.1.0'
