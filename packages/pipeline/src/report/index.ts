export { type ReportInput, type ReportRun, renderReport } from "./render-report.js";
export {
  type ChartCell,
  type ChartDocument,
  type ChartNode,
  type ValidationChartOptions,
  validationChart,
} from "./validation-chart.js";
export { type WriteReportOptions, writeReport } from "./write-report.js";
