export function checkCompose(): string[] { return []; }
