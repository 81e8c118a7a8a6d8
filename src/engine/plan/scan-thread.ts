// The body of scanJsonInThread's worker: scans the text it is given and posts the JsonScan back.
import { parentPort, workerData } from "node:worker_threads";
import { scanJson } from "./strict-json";

const { text, maxDepth } = workerData as { text: string; maxDepth: number };
parentPort?.postMessage(scanJson(text, maxDepth));
