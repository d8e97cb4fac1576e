// Checks the OpenAPI document with real validators from npm, for
// tests/e2e/test_openapi.py:
//
//   node validate.mjs DOC              the document against the OpenAPI 3.1
//                                      schema, with every $ref resolved
//                                      (@apidevtools/swagger-parser)
//   node validate.mjs DOC ANSWERS      also each answer of ANSWERS (a JSON
//                                      array of {"response": "CronGetAnswer",
//                                      "answer": {...}}) against that
//                                      response's schema (ajv, JSON Schema
//                                      2020-12 as OpenAPI 3.1 uses)
//
// Prints one line per fault and exits 1 when there is any.
import { readFileSync } from "node:fs";
import SwaggerParser from "@apidevtools/swagger-parser";
import Ajv2020 from "ajv/dist/2020.js";

const [docPath, answersPath] = process.argv.slice(2);
if (!docPath) {
	console.error("usage: node validate.mjs DOC [ANSWERS]");
	process.exit(2);
}
const text = readFileSync(docPath, "utf8");
let faults = 0;

try {
	// validate() dereferences in place: give it its own copy
	await SwaggerParser.validate(JSON.parse(text));
	console.log("swagger-parser: valid OpenAPI " + JSON.parse(text).openapi);
} catch (e) {
	console.log("swagger-parser: " + e.message);
	faults++;
}

if (answersPath) {
	const ajv = new Ajv2020({ strict: false, allErrors: true });
	ajv.addSchema(JSON.parse(text), "openapi.json");
	const answers = JSON.parse(readFileSync(answersPath, "utf8"));
	const compiled = new Map();
	for (const { response, answer } of answers) {
		if (!compiled.has(response))
			compiled.set(response, ajv.compile({
				$ref: "openapi.json#/components/responses/" + response +
				    "/content/application~1json/schema",
			}));
		const check = compiled.get(response);
		if (!check(answer)) {
			faults++;
			console.log("ajv: " + response + ": " + ajv.errorsText(check.errors) +
			    ": " + JSON.stringify(answer).slice(0, 300));
		}
	}
	console.log("ajv: " + answers.length + " answers checked");
}
process.exit(faults ? 1 : 0);
