export const APP_VERSION = '0.49.0';
export const APP_ID = `aeimg ${APP_VERSION}`;
