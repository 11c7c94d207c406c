// A Lambda function in JavaScript: `handler(event, context)`, as on AWS's Node.js runtime.
// Served as function "greet" from STEPSTREAM_FUNCTIONS=examples/functions.
export const handler = async (event, context) => {
  if (!event.name) {
    const error = new Error('the event needs a name');
    error.name = 'Greet.MissingName'; // becomes the Task's error name
    throw error;
  }
  return { greeting: `Hello, ${event.name}`, function: context.functionName };
};
