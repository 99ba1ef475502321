export { type ReportInput, renderReport } from "./render-report.js";
export { writeReport } from "./write-report.js";
