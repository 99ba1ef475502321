export { type ReportInput, renderReport } from "./render-report.js";
export {
  type ChartCell,
  type ChartDocument,
  type ChartNode,
  type ValidationChartOptions,
  validationChart,
} from "./validation-chart.js";
export { writeReport } from "./write-report.js";
