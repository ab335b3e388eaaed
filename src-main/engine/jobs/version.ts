export const APP_VERSION = '0.7.1';
export const APP_ID = `aeimg ${APP_VERSION}`;
